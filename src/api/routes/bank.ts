/** GET /bank: the bank as it is built (columns, sizes, driver) and the caller's role, for the bank page and tools. */
import { Router } from "express";
import type { ApiDeps } from "../deps.js";

export function bankRouter(deps: ApiDeps): Router {
  const r = Router();
  r.get("/bank", deps.auth.allow("courier", "kiosk", "monitor"), (_req, res) => {
    const caller = res.locals.caller as { role: string } | undefined;
    res.json({
      bankId: deps.bankId,
      name: deps.layout.name,
      sizes: deps.ctx.sizes.sizes,
      driver: deps.driverKind,
      simulated: deps.sim !== undefined,
      role: caller?.role ?? null,
      columns: deps.layout.columns.map((c) => ({ id: c.id, lockers: c.lockers.map((l) => ({ id: l.id, size: l.size })) })),
    });
  });
  return r;
}
