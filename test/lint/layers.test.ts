/**
 * The layers of src/ are kept by lint (eslint.layers.js): code that breaks a rule fails, code
 * that keeps it passes. Each case lints a small file as if it sat in the folder named.
 */
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

const LAYERS_MODULE = "../../eslint.layers.js";
const { layerConfigs } = (await import(LAYERS_MODULE)) as { layerConfigs: Linter.Config[] };

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser as Linter.Parser } }, ...layerConfigs],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("layers kept by lint", () => {
  it.each([
    ["src/bank/fixture.ts", 'import express from "express";\nexport const x = express;'],
    ["src/bank/fixture.ts", 'import pg from "pg";\nexport const x = pg;'],
    ["src/bank/fixture.ts", 'import { SerialPort } from "serialport";\nexport const x = SerialPort;'],
    ["src/bank/fixture.ts", 'import HID from "node-hid";\nexport const x = HID;'],
    ["src/doors/fixture.ts", 'import { Gpio } from "onoff";\nexport const x = Gpio;'],
    ["src/bank/fixture.ts", 'import type { Request } from "express";\nexport type X = Request;'],
  ])("the rules never import a transport or hardware library: %s %#", async (file, code) => {
    expect(await problems(file, code)).toEqual([expect.stringMatching(/^no-restricted-imports: .*know nothing of HTTP/)]);
  });

  it.each([
    ["src/drivers/fixture.ts", 'import { assignLocker } from "../bank/assign.js";\nexport const x = assignLocker;'],
    ["src/drivers/serial/fixture.ts", 'import type { BankContext } from "../../bank/context.js";\nexport type X = BankContext;'],
    ["src/store/fixture.ts", 'import { createApi } from "../api/app.js";\nexport const x = createApi;'],
    ["src/basics/fixture.ts", 'import { Store } from "../store/store.js";\nexport const x = Store;'],
    ["src/system/fixture.ts", 'import type { BankContext } from "../bank/context.js";\nexport type X = BankContext;'],
    ["src/bank/fixture.ts", 'import { Kiosk } from "../kiosk/kiosk.js";\nexport const x = Kiosk;'],
    ["src/doors/fixture.ts", 'export { assignLocker } from "../bank/assign.js";'],
    ["src/store/fixture.ts", 'import { SimLockBank } from "../drivers/sim/sim-lock-bank.js";\nexport const x = SimLockBank;'],
    ["src/kiosk/fixture.ts", 'import { startDaemon } from "../daemon.js";\nexport const x = startDaemon;'],
  ])("nothing imports upward (drivers never import the rules): %s %#", async (file, code) => {
    expect(await problems(file, code)).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it.each([
    ["src/bank/fixture.ts", 'import { Store } from "../store/store.js";\nimport { LockerdError } from "../basics/errors.js";\nexport const x = [Store, LockerdError];'],
    ["src/drivers/fixture.ts", 'import { SerialPort } from "serialport";\nimport { ConfigError } from "../config/errors.js";\nexport const x = [SerialPort, ConfigError];'],
    ["src/api/fixture.ts", 'import express from "express";\nimport { assignLocker } from "../bank/assign.js";\nexport const x = [express, assignLocker];'],
    ["src/daemon-fixture.ts", 'import { createApi } from "./api/app.js";\nexport const x = createApi;'],
    ["src/drivers/gpio/fixture.ts", 'import { SimLockBank } from "../sim/sim-lock-bank.js";\nexport const x = SimLockBank;'],
  ])("imports down the layers pass: %s %#", async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
