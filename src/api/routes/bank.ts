/**
 * GET /bank: the bank as it is built (columns, sizes, driver), which lockers' hardware does not
 * answer now, and the caller's role, for the bank page and tools.
 */
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

export const bankView = z.object({
  bankId: z.string(),
  name: z.string(),
  sizes: z.array(z.string()),
  driver: z.string(),
  simulated: z.boolean(),
  role: z.string().nullable(),
  timeZone: z.string().meta({ description: "the bank's time zone (IANA name, the daemon's TZ), for showing times as the bank's clock does" }),
  hardwareOffline: z.array(z.string()).meta({ description: "lockers whose lock board or GPIO does not answer right now" }),
  columns: z.array(z.object({ id: z.string(), lockers: z.array(z.object({ id: z.string(), size: z.string() })) })),
});

export function bankRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/bank",
      tag: "lockers",
      summary: "The bank's layout: columns of lockers with their sizes, the driver, and the caller's role",
      access: ["courier", "kiosk", "monitor"],
      responses: { 200: { description: "the bank", schema: bankView } },
      handler: (_input, _req, res) => {
        const caller = res.locals.caller as { role: string } | undefined;
        res.json({
          bankId: deps.bankId,
          name: deps.layout.name,
          sizes: deps.ctx.sizes.sizes,
          driver: deps.driverKind,
          simulated: deps.sim !== undefined,
          role: caller?.role ?? null,
          timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          hardwareOffline: [...deps.hardwareOffline()].sort(),
          columns: deps.layout.columns.map((c) => ({ id: c.id, lockers: c.lockers.map((l) => ({ id: l.id, size: l.size })) })),
        });
      },
    }),
  ];
}
