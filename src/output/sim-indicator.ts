/** The simulated indicator: patterns are logged and remembered (tests, the bank page). */
import type { Logger } from "../system/logger.js";
import type { Indicator, Pattern } from "./indicator.js";

export class SimIndicator implements Indicator {
  readonly kind = "sim";
  readonly shown: { pattern: Pattern; at: number }[] = [];
  private readonly listeners = new Set<(p: Pattern) => void>();

  constructor(private readonly log?: Logger) {}

  show(pattern: Pattern): void {
    this.shown.push({ pattern, at: Date.now() });
    if (this.shown.length > 1000) this.shown.splice(0, this.shown.length - 1000);
    this.log?.info({ pattern }, "indicator");
    for (const l of this.listeners) l(pattern);
  }

  patterns(): Pattern[] {
    return this.shown.map((s) => s.pattern);
  }

  subscribe(l: (p: Pattern) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async stop(): Promise<void> {}
}
