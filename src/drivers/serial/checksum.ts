/** The checksums the supported lock boards use. */

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

/**
 * Modbus RTU: CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF). The frame
 * carries it low byte first.
 */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Bytes as the hardware notes write them: "02 00 30 03 35". */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1 ");
}
