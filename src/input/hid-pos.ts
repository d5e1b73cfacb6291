/**
 * HID POS scanners (usage page 0x8C) send "scanned data" input reports instead of keystrokes,
 * so nothing reaches the console. The layout Honeywell and Zebra use (64 bytes with the report
 * id): [0x02, n, aim0, aim1, aim2, data (n bytes)..., flags]; a non-zero last byte means the code
 * continues in the next report. Layouts vary by vendor: other report ids are ignored.
 */
export const POS_REPORT_ID = 0x02;

export type PosResult = { done: true; raw: string } | { done: false; reason?: string };

export class HidPosDecoder {
  private parts = "";
  /** After an overlong code, the rest of its parts are dropped too. */
  private discarding = false;

  constructor(private readonly limit: number) {}

  /** No code is part-way through: the next report of ours begins one. */
  get between(): boolean {
    return this.parts === "" && !this.discarding;
  }

  feed(report: Uint8Array): PosResult {
    if (report.length < 6) return { done: false, reason: `report of ${report.length} bytes` };
    if (report[0] !== POS_REPORT_ID) return { done: false, reason: `report id ${report[0]}` };
    const n = Math.min(report[1]!, report.length - 6);
    const aim = report[2] ? String.fromCharCode(report[2], report[3]!, report[4]!) : "";
    const data = Buffer.from(report.subarray(5, 5 + n)).toString("latin1");
    const more = report[report.length - 1] !== 0;
    if (this.discarding) {
      if (!more) this.discarding = false;
      return { done: false };
    }
    // The AIM id repeats in every part; keep it once, in front.
    this.parts = this.parts.length === 0 ? aim + data : this.parts + data;
    if (this.parts.length > this.limit) {
      const length = this.parts.length;
      this.parts = "";
      this.discarding = more;
      return { done: false, reason: `overlong (${length}+ characters)` };
    }
    if (more) return { done: false };
    const raw = this.parts;
    this.parts = "";
    return { done: true, raw };
  }

  reset(): void {
    this.parts = "";
    this.discarding = false;
  }
}
