/**
 * From a scanner's raw frames to accepted scans: the filter's rules applied, rejects logged
 * (reason and length only: a scan may be a pickup token or a courier badge) and dropped.
 */
import type { Logger } from "../system/logger.js";
import type { DeviceListener, Scan } from "./devices.js";
import { acceptScan, type ScanRules } from "./scan-filter.js";

export class ScanPipeline {
  /** Scans dropped since start, for tests and diagnostics. */
  rejected = 0;

  constructor(
    private readonly rules: ScanRules,
    private readonly listener: DeviceListener<Scan>,
    private readonly log: Logger,
  ) {}

  /** The longest raw frame worth keeping: the payload limit plus an AIM prefix. */
  get frameLimit(): number {
    return this.rules.maxLength + 3;
  }

  /** A code's first bytes were read: tell the listener one is on its way. */
  started(): void {
    this.listener.arriving?.();
  }

  frame(raw: string): void {
    const r = acceptScan(raw, this.rules);
    if (r.ok) return this.listener.input(r.scan);
    this.rejected++;
    this.log.warn({ reason: r.reason, length: raw.length }, "scan dropped");
  }

  overlong(length: number): void {
    this.rejected++;
    this.log.warn({ length }, "scan dropped: no end within the length limit");
  }
}
