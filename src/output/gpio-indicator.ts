/**
 * Buzzer and two LEDs on GPIO outputs. The Gpio class is handed in (onoff's in the daemon, a
 * fake in tests). A pattern is a list of steps on timers; a new pattern cancels the old one,
 * and every pattern ends with everything off.
 */
import type { Logger } from "../system/logger.js";
import { STEPS, type Indicator, type Pattern, type Step } from "./indicator.js";

/** The part of onoff's Gpio this uses. */
export interface GpioOutput {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

export interface GpioIndicatorPins {
  buzzer?: number | undefined;
  green?: number | undefined;
  red?: number | undefined;
  activeLow: boolean;
}

type Channel = "buzzer" | "green" | "red";

export class GpioIndicator implements Indicator {
  readonly kind = "gpio";
  private readonly outputs = new Map<Channel, GpioOutput>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    open: (pin: number) => GpioOutput,
    private readonly pins: GpioIndicatorPins,
    private readonly log: Logger,
  ) {
    for (const ch of ["buzzer", "green", "red"] as const) {
      const pin = pins[ch];
      if (pin !== undefined) this.outputs.set(ch, open(pin));
    }
    this.apply({ buzzer: false, green: false, red: false, ms: 0 });
  }

  show(pattern: Pattern): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.play(STEPS[pattern], 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.apply({ buzzer: false, green: false, red: false, ms: 0 });
    for (const o of this.outputs.values()) {
      try {
        o.unexport();
      } catch (err) {
        this.log.warn({ err }, "indicator output could not be released");
      }
    }
    this.outputs.clear();
  }

  private play(steps: readonly Step[], i: number): void {
    const step = steps[i];
    if (!step) {
      this.timer = null;
      this.apply({ buzzer: false, green: false, red: false, ms: 0 });
      return;
    }
    this.apply(step);
    this.timer = setTimeout(() => this.play(steps, i + 1), step.ms);
  }

  private apply(step: Step): void {
    for (const [ch, out] of this.outputs) {
      const on = step[ch];
      try {
        out.writeSync(on !== this.pins.activeLow ? 1 : 0);
      } catch (err) {
        // Feedback failing must never stop a pickup; it is logged and the door still opens.
        this.log.warn({ err, output: ch }, "indicator output could not be set");
      }
    }
  }
}
