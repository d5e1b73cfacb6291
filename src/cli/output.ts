/**
 * Output for people and scripts: colour only on a terminal without NO_COLOR, aligned tables,
 * JSON for --json. Everything printed passes through scrub(), which drops any pickup code a
 * newer or older daemon might hand over: lockerctl never prints one.
 */
export interface OutputOptions {
  json: boolean;
  color: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const CODES = { reset: 0, bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Style = keyof typeof CODES;

/** Keys whose values are secrets; removed wherever they appear. */
const SECRET_KEY = /^(pickup_?code|code_?hash|code|secret|token)$/i;

export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Keep error codes ("LOCKER_OCCUPIED") under "code": only digit strings look like pickup codes.
      if (SECRET_KEY.test(k) && !(k === "code" && typeof v === "string" && /^[A-Z_]+$/.test(v))) continue;
      out[k] = scrub(v);
    }
    return out;
  }
  return value;
}

export class Output {
  constructor(readonly opts: OutputOptions) {}

  get json(): boolean {
    return this.opts.json;
  }

  paint(style: Style | Style[], text: string): string {
    if (!this.opts.color) return text;
    const styles = Array.isArray(style) ? style : [style];
    return `${styles.map((s) => `\x1b[${CODES[s]}m`).join("")}${text}\x1b[0m`;
  }

  line(text = ""): void {
    this.opts.stdout.write(text + "\n");
  }

  /** A note for people (stderr, so --json output stays clean). */
  note(text: string): void {
    this.opts.stderr.write(text + "\n");
  }

  warn(text: string): void {
    this.opts.stderr.write(`${this.paintErr("yellow", "warning:")} ${text}\n`);
  }

  error(text: string): void {
    this.opts.stderr.write(`${this.paintErr("red", "lockerctl:")} ${text}\n`);
  }

  printJson(value: unknown): void {
    this.opts.stdout.write(JSON.stringify(scrub(value), null, 2) + "\n");
  }

  /** One JSON object per line (--follow, watch). */
  printJsonLine(value: unknown): void {
    this.opts.stdout.write(JSON.stringify(scrub(value)) + "\n");
  }

  table(header: string[], rows: string[][]): void {
    for (const l of formatTable(header, rows)) this.line(l);
  }

  private paintErr(style: Style, text: string): string {
    return this.opts.color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  }
}

/** Visible width of a string that may hold ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

export function pad(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : s + " ".repeat(width - n);
}

export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join("  ").trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

/** A time for people: HH:MM:SS today, else the date too. */
export function shortTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  const hms = d.toTimeString().slice(0, 8);
  return sameDay ? hms : `${d.toISOString().slice(0, 10)} ${hms}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
