/**
 * USB HID boot-keyboard reports: [modifiers, reserved, key1..key6]. A key press is a usage
 * appearing in the array, a release is it disappearing, an all-zero report releases everything;
 * a held key repeats nothing at this level. Several keys may appear in one report.
 */
export interface KeyPress {
  /** Keyboard page (0x07) usage. */
  usage: number;
  shift: boolean;
}

export type ReportResult = { ok: true; presses: KeyPress[] } | { ok: false; reason: string };

const LEFT_SHIFT = 0x02;
const RIGHT_SHIFT = 0x20;
/** Usages 0x01-0x03 are error codes (rollover, POST fail, undefined), not keys. */
const FIRST_KEY_USAGE = 0x04;

export class BootKeyboardDecoder {
  private down = new Set<number>();

  /**
   * Decode one report. 8 bytes is the boot format; 9 bytes is the same with a report id in front
   * (hidraw includes it for devices that number their reports).
   */
  feed(report: Uint8Array): ReportResult {
    let r = report;
    if (r.length === 9) r = r.subarray(1);
    if (r.length !== 8) return { ok: false, reason: `report of ${report.length} bytes` };
    const keys = [...r.subarray(2)];
    // Too many keys at once: the keyboard sends ErrorRollOver in every slot. Keep the old state.
    if (keys.some((k) => k === 0x01)) return { ok: true, presses: [] };
    const shift = (r[0]! & (LEFT_SHIFT | RIGHT_SHIFT)) !== 0;
    const now = new Set(keys.filter((k) => k >= FIRST_KEY_USAGE));
    const presses: KeyPress[] = [];
    for (const k of keys) {
      if (k >= FIRST_KEY_USAGE && !this.down.has(k) && !presses.some((p) => p.usage === k)) presses.push({ usage: k, shift });
    }
    this.down = now;
    return { ok: true, presses };
  }

  /** Forget held keys (the device went away). */
  reset(): void {
    this.down.clear();
  }
}
