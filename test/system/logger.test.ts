import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/system/logger.js";

const SECRET_CODE = "73914820";
const SECRET_TOKEN = "tok_5b0c9e1f2a7d4e6b";

function capture() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (b: Buffer) => (text += b.toString()));
  const log = createLogger({ level: "info", pretty: false }, out);
  return {
    log,
    lines: async () => {
      await new Promise<void>((r) => log.flush(() => r()));
      await new Promise((r) => setImmediate(r));
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => text,
  };
}

describe("the logger", () => {
  it("writes JSON lines (for journald) when given a stream and not asked for pretty output", async () => {
    const c = capture();
    c.log.child({ component: "doors" }).info({ lockerId: "A03" }, "door opened");
    const [line] = await c.lines();
    expect(line).toMatchObject({ component: "doors", lockerId: "A03", msg: "door opened", level: 30 });
  });

  it("redacts pickup codes, codes, tokens and authorization headers wherever the bank logs them", async () => {
    const c = capture();
    c.log.info(
      {
        pickupCode: SECRET_CODE,
        code: SECRET_CODE,
        token: SECRET_TOKEN,
        authorization: `Bearer ${SECRET_TOKEN}`,
        parcel: { pickupCode: SECRET_CODE, code: SECRET_CODE, token: SECRET_TOKEN },
        req: { headers: { authorization: `Bearer ${SECRET_TOKEN}` } },
        data: { parcel: { pickupCode: SECRET_CODE } },
        lockerId: "A03",
      },
      "assigned",
    );
    c.log.child({ component: "api" }).warn({ headers: { authorization: `Bearer ${SECRET_TOKEN}` } }, "rejected");
    const lines = await c.lines();
    expect(lines).toHaveLength(2);
    expect(c.text()).not.toContain(SECRET_CODE);
    expect(c.text()).not.toContain(SECRET_TOKEN);
    expect(lines[0]).toMatchObject({
      pickupCode: "[redacted]",
      code: "[redacted]",
      token: "[redacted]",
      authorization: "[redacted]",
      parcel: { pickupCode: "[redacted]", code: "[redacted]", token: "[redacted]" },
      req: { headers: { authorization: "[redacted]" } },
      data: { parcel: { pickupCode: "[redacted]" } },
      lockerId: "A03",
    });
    expect(lines[1]).toMatchObject({ headers: { authorization: "[redacted]" } });
  });
});
