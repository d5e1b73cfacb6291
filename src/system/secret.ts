/**
 * The daemon's code secret: 32 random bytes generated at first start, kept in a file only the
 * daemon's user can read (0600). Pickup codes are stored as HMACs keyed with it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { privateDir } from "./private-files.js";

export function loadOrCreateSecret(path: string): Buffer {
  try {
    const existing = readFileSync(path);
    if (existing.length < 32) throw new Error(`the code secret ${path} is shorter than 32 bytes; refusing to use it`);
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) throw new Error(`the code secret ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  privateDir(dirname(path));
  const secret = randomBytes(32);
  // wx: never overwrite a secret another process wrote meanwhile; if one did, use that one.
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateSecret(path);
    throw e;
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, secret);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return secret;
}
