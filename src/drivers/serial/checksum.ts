/** The two checksums the supported lock boards use. */

/** CU16: the low byte of the sum of every byte. */
export function byteSum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

/** 0x8A/0x80 boards: XOR of every byte (block check character, BCC). */
export function xorBcc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/** Bytes as the hardware notes write them: "02 00 30 03 35". */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1 ");
}
