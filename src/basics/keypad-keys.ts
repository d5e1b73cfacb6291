/** The keys a bank's keypad has (the configuration's keymap names them; input decodes to them). */
export const KEYPAD_KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "backspace", "escape"] as const;
export type KeypadKey = (typeof KEYPAD_KEYS)[number];
