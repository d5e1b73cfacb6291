#!/usr/bin/env node
/**
 * Print the configuration value for a courier credential:
 *   courier-credential pin 12345678   → "scrypt$..." for couriers[].pinHash
 *   courier-credential badge TEXT     → the sha256 hex for couriers[].badgeSha256
 * The secret is read from the argument or, when it is "-", from stdin (keeps it out of shell history).
 */
import { readFileSync } from "node:fs";
import { badgeSha256, hashPin } from "../kiosk/couriers.js";

async function main(): Promise<void> {
  const [kind, arg] = process.argv.slice(2);
  if ((kind !== "pin" && kind !== "badge") || arg === undefined) {
    process.stderr.write("usage: courier-credential pin|badge VALUE|-\n");
    process.exit(2);
  }
  const value = arg === "-" ? readFileSync(0, "utf8").trim() : arg;
  if (kind === "pin" && !/^[0-9]{6,12}$/.test(value)) {
    process.stderr.write("a PIN is 6-12 digits, exactly kiosk.pinDigits long\n");
    process.exit(2);
  }
  process.stdout.write((kind === "pin" ? await hashPin(value) : badgeSha256(value)) + "\n");
}

void main();
