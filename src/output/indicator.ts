/**
 * Feedback without a screen: a few distinct patterns of buzzer and lights. A small character
 * display could implement the same interface later.
 */
export const PATTERNS = ["accepted", "rejected", "locked_out", "door_opening", "courier_mode", "session_ended", "error"] as const;
export type Pattern = (typeof PATTERNS)[number];

export interface Indicator {
  readonly kind: string;
  /** Play a pattern now; a newer pattern replaces one still playing. Never throws. */
  show(pattern: Pattern): void;
  /** Everything off. */
  stop(): Promise<void>;
}

/** One step of a pattern: which outputs are on, for how long. */
export interface Step {
  buzzer: boolean;
  green: boolean;
  red: boolean;
  ms: number;
}

const s = (buzzer: boolean, green: boolean, red: boolean, ms: number): Step => ({ buzzer, green, red, ms });

/** Distinct by sound alone (for people who cannot see the lights) and by colour alone. */
export const STEPS: Record<Pattern, readonly Step[]> = {
  accepted: [s(true, true, false, 120), s(false, true, false, 1000)],
  rejected: [s(true, false, true, 120), s(false, false, true, 100), s(true, false, true, 120), s(false, false, true, 800)],
  locked_out: [s(true, false, true, 600), s(false, false, false, 200), s(false, false, true, 200), s(false, false, false, 200), s(false, false, true, 200), s(false, false, false, 200), s(false, false, true, 200)],
  door_opening: [s(true, true, false, 60), s(false, false, false, 140), s(false, true, false, 200), s(false, false, false, 200), s(false, true, false, 200), s(false, false, false, 200), s(false, true, false, 200)],
  courier_mode: [s(true, true, true, 80), s(false, false, false, 80), s(true, true, true, 80), s(false, true, true, 1000)],
  // Unasked for: the courier's session was ended from elsewhere (credential revoked). Amber like
  // courier_mode, long then short, so it reads as "courier mode over".
  session_ended: [s(true, true, true, 500), s(false, false, false, 150), s(true, true, true, 120), s(false, false, false, 600)],
  error: [s(true, false, true, 1000), s(false, false, true, 1000)],
};
