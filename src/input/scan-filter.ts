/**
 * What a scan must look like to reach the kiosk: printable ASCII, 1..maxLength characters after
 * an optional AIM symbology identifier ("]" + code letter + modifier, e.g. "]Q1" QR code,
 * "]C0" Code 128), which is stripped and, when configured, checked against allowed symbologies.
 */
import type { Scan } from "./devices.js";

export interface ScanRules {
  maxLength: number;
  /** "Q1" allows exactly that id, "Q" any QR variant; empty allows every symbology. */
  allowedSymbologies: readonly string[];
}

export type ScanResult = { ok: true; scan: Scan } | { ok: false; reason: string };

const AIM = /^\]([A-Za-z])([0-9A-Za-z])/;
const PRINTABLE = /^[\x20-\x7e]+$/;

export function acceptScan(raw: string, rules: ScanRules): ScanResult {
  let text = raw;
  let symbology: string | null = null;
  const m = AIM.exec(text);
  if (m) {
    symbology = m[1]! + m[2]!;
    text = text.slice(3);
  }
  if (text.length === 0) return { ok: false, reason: "empty" };
  if (text.length > rules.maxLength) return { ok: false, reason: `longer than ${rules.maxLength} characters` };
  if (!PRINTABLE.test(text)) return { ok: false, reason: "not printable ASCII" };
  if (rules.allowedSymbologies.length > 0) {
    const allowed = symbology !== null && rules.allowedSymbologies.some((a) => a === symbology || (a.length === 1 && a === symbology![0]));
    if (!allowed) return { ok: false, reason: `symbology ${symbology ?? "(none sent)"} not allowed` };
  }
  return { ok: true, scan: { text, symbology } };
}
