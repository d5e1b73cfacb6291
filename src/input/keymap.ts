/**
 * Keyboard usages → keypad keys. Twelve-key keypads differ in what their # and * send (KP #,
 * Shift+3, KP Enter, KP *, Shift+8), so the map is a per-model setting: this default plus
 * overrides from configuration ("0x58" or "shift+0x20" → a key, or "none").
 */
import type { KeyPress } from "./boot-keyboard.js";
import type { KeypadKey } from "./devices.js";

const hex = (n: number) => "0x" + n.toString(16).padStart(2, "0");

function defaultEntries(): [string, KeypadKey][] {
  const e: [string, KeypadKey][] = [];
  // Top row 1..9, 0 (0x1E-0x27) and keypad 1..9, 0 (0x59-0x62).
  for (let i = 0; i < 10; i++) {
    const key = String((i + 1) % 10) as KeypadKey;
    e.push([hex(0x1e + i), key], [hex(0x59 + i), key]);
  }
  e.push(
    ["0x28", "#"], // Enter
    ["0x58", "#"], // KP Enter
    ["0xcc", "#"], // KP #
    ["shift+0x20", "#"], // Shift+3
    ["0x55", "*"], // KP *
    ["shift+0x25", "*"], // Shift+8
    ["0x2a", "backspace"],
    ["0x29", "escape"],
  );
  return e;
}

export type KeymapOverrides = Record<string, KeypadKey | "none">;

export class Keymap {
  private readonly map = new Map<string, KeypadKey>();

  constructor(overrides: KeymapOverrides = {}) {
    for (const [k, v] of defaultEntries()) this.map.set(k, v);
    for (const [k, v] of Object.entries(overrides)) {
      const key = k.toLowerCase();
      if (v === "none") this.map.delete(key);
      else this.map.set(key, v);
    }
  }

  /** The keypad key for a press, or undefined for keys the keypad does not use. */
  resolve(p: KeyPress): KeypadKey | undefined {
    const plain = hex(p.usage);
    if (p.shift) {
      const shifted = this.map.get("shift+" + plain);
      if (shifted) return shifted;
      // A shifted top-row digit is a symbol on a keyboard, not a digit.
      if (p.usage >= 0x1e && p.usage <= 0x27) return undefined;
    }
    return this.map.get(plain);
  }
}
