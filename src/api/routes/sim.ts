/**
 * /sim: the simulated bank's hardware, for the bank page and demos: move doors by hand, take
 * the hardware offline, type on the keypad. Mounted only when the bank is simulated; every
 * action goes through the same simulated-device interfaces the tests use.
 */
import { Router } from "express";
import { z } from "zod";
import { LockerdError } from "../../bank/errors.js";
import { pickupByCode } from "../../bank/pickup.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

const lockerParam = z.object({ id: z.string().regex(/^[A-Z][0-9]{2,3}$/, "a locker id such as A01") });
const doorBody = z.object({ action: z.enum(["open", "close"]) }).strict();
const hardwareBody = z.object({ online: z.boolean() }).strict();
const keypadBody = z.object({ keys: z.string().min(1).max(32).regex(/^[0-9*#]+$/, "digits, * and #") }).strict();

export function simRouter(deps: ApiDeps): Router {
  const r = Router();
  const sim = deps.sim;
  if (!sim) return r;

  r.post("/sim/doors/:id", deps.auth.allow(), (req, res) => {
    const { id } = parse(lockerParam, req.params, "path");
    const { action } = parse(doorBody, req.body ?? {}, "body");
    if (!deps.layout.lockers.some((l) => l.id === id)) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${id}`);
    sim.setDoor(id, action === "open" ? "open" : "closed");
    res.json({ lockerId: id, door: sim.doors().get(id) });
  });

  r.post("/sim/hardware", deps.auth.allow(), (req, res) => {
    const { online } = parse(hardwareBody, req.body ?? {}, "body");
    sim.setOnline(deps.layout.lockers.map((l) => l.id), online, online ? "plugged back in on the bank page" : "unplugged on the bank page");
    res.json({ online });
  });

  // Until the kiosk's simulated keypad exists, keys go straight to the pickup use case.
  r.post("/sim/keypad", deps.auth.allow(), async (req, res) => {
    const { keys } = parse(keypadBody, req.body ?? {}, "body");
    const code = keys.replace(/#$/, "");
    const result = await pickupByCode(deps.ctx, code, { channel: "keypad", id: "sim" });
    res.json(result);
  });

  return r;
}
