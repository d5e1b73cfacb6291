/**
 * hardware/udev/70-lockerd.rules: well-formed lines (udevadm verify needs systemd 253, Debian 12
 * has 252), and the names and groups the unit and the documentation rely on.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const RULES = readFileSync(join(resolve(import.meta.dirname, "../.."), "hardware/udev/70-lockerd.rules"), "utf8");
const lines = RULES.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
const KEY = /^(ACTION|SUBSYSTEM|KERNEL|KERNELS|DRIVERS|ATTR\{[^}]+\}|ATTRS\{[^}]+\}|ENV\{[^}]+\}|GROUP|MODE|OWNER|SYMLINK|RUN|PROGRAM|TAG)$/;
const MATCH_ONLY = /^(ACTION|SUBSYSTEM|KERNEL|KERNELS|DRIVERS|ATTRS\{[^}]+\})$/;

describe("the udev rules", () => {
  it("consist of well-formed key-operator-value pairs", () => {
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const pairs = line.split(/,\s*(?=[A-Z]+(?:\{[^}]*\})?\s*(?:==|!=|\+=|:=|=)")/);
      for (const pair of pairs) {
        const m = /^([A-Z]+(?:\{[^}]*\})?)(==|!=|\+=|:=|=)"([^"]*)"$/.exec(pair.trim());
        expect(m, `${pair} in: ${line}`).not.toBeNull();
        expect(m![1], line).toMatch(KEY);
        // Assigning to a match-only key is a silent no-op in udev.
        if (MATCH_ONLY.test(m![1]!)) expect(m![2], line).toMatch(/^(==|!=)$/);
      }
    }
  });

  it("give RS-485 adapters to dialout under /dev/lockerd-rs485-*, HID devices to lockerd, GPIO to gpio", () => {
    for (const vendor of ["0403", "1a86", "10c4"]) expect(RULES).toContain(`ATTRS{idVendor}=="${vendor}"`);
    expect(RULES).toMatch(/LOCKERD_RS485}=="1", GROUP="dialout", MODE="0660"/);
    expect(RULES).toMatch(/SYMLINK\+="lockerd-rs485-/);
    expect(RULES).toMatch(/SUBSYSTEM=="hidraw".*GROUP="lockerd", MODE="0660", SYMLINK\+="lockerd-keypad"/);
    expect(RULES).toMatch(/SUBSYSTEM=="hidraw".*GROUP="lockerd", MODE="0660", SYMLINK\+="lockerd-scanner"/);
    expect(RULES).toMatch(/KERNEL=="gpiochip\*", GROUP="gpio", MODE="0660"/);
    // The example ids are marked as examples.
    expect(RULES.match(/EXAMPLE id/g)?.length).toBe(2);
  });
});
