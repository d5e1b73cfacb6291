/**
 * Keyboard-wedge scanners type their codes as boot-keyboard reports, US layout. Only digits,
 * capitals and Enter are layout-safe (see input-and-gpio.md); the rest follows US ASCII.
 */
import type { KeyPress } from "./boot-keyboard.js";

const PLAIN: Record<number, string> = { 0x28: "\r", 0x2b: "\t", 0x2c: " ", 0x58: "\r" };
const SYMBOLS = "-=[]\\#;'`,./"; // 0x2D-0x38 (0x32 is the non-US #)
const SHIFTED_SYMBOLS = '_+{}|~:"~<>?';
const SHIFTED_DIGITS = "!@#$%^&*()";

export function wedgeChar(p: KeyPress): string | undefined {
  const u = p.usage;
  if (u >= 0x04 && u <= 0x1d) {
    const c = String.fromCharCode(0x61 + u - 0x04);
    return p.shift ? c.toUpperCase() : c;
  }
  if (u >= 0x1e && u <= 0x27) return p.shift ? SHIFTED_DIGITS[u - 0x1e] : String((u - 0x1e + 1) % 10);
  if (u >= 0x2d && u <= 0x38) return (p.shift ? SHIFTED_SYMBOLS : SYMBOLS)[u - 0x2d];
  if (u >= 0x59 && u <= 0x62) return String((u - 0x59 + 1) % 10);
  if (u === 0x54) return "/";
  if (u === 0x55) return "*";
  if (u === 0x56) return "-";
  if (u === 0x57) return "+";
  if (u === 0x63) return ".";
  return PLAIN[u];
}
