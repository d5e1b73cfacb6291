/**
 * /sim: the simulated bank's hardware, for the bank page and demos: move doors by hand, cause
 * faults, take the hardware offline. Present only when the bank is simulated; every action
 * goes through the same simulated-device interfaces the tests use.
 */
import { z } from "zod";
import { LockerdError } from "../../bank/errors.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId } from "../validate.js";

const lockerParam = z.object({ id: lockerId }).strict();
const doorBody = z.object({ action: z.enum(["open", "close", "jam", "force", "flap", "clear"]) }).strict();
const hardwareBody = z.object({ online: z.boolean() }).strict();

export function simRoutes(deps: ApiDeps): Route[] {
  const sim = deps.sim;
  if (!sim) return [];
  return [
    defineRoute({
      method: "post",
      path: "/sim/doors/:id",
      tag: "simulator",
      summary: "Simulated bank: open or close a door by hand, or cause a fault (jam, force, flap, clear)",
      access: [],
      params: lockerParam,
      body: doorBody,
      responses: { 200: { description: "the door's position now", schema: z.object({ lockerId: z.string(), door: z.string() }) } },
      errors: ["LOCKER_NOT_FOUND"],
      handler: ({ params, body }, _req, res) => {
        const id = params.id;
        if (!deps.layout.lockers.some((l) => l.id === id)) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${id}`);
        applyDoorAction(deps, id, body.action);
        res.json({ lockerId: id, door: sim.doors().get(id) ?? "unknown" });
      },
    }),
    defineRoute({
      method: "post",
      path: "/sim/hardware",
      tag: "simulator",
      summary: "Simulated bank: unplug the lock hardware or plug it back in",
      access: [],
      body: hardwareBody,
      responses: { 200: { description: "the hardware's state now", schema: hardwareBody } },
      handler: ({ body }, _req, res) => {
        sim.setOnline(
          deps.layout.lockers.map((l) => l.id),
          body.online,
          body.online ? "plugged back in on the bank page" : "unplugged on the bank page",
        );
        res.json({ online: body.online });
      },
    }),
  ];
}

function applyDoorAction(deps: ApiDeps, id: string, action: z.infer<typeof doorBody>["action"]): void {
  const sim = deps.sim!;
  switch (action) {
    case "open":
    case "close":
      sim.setDoor(id, action === "open" ? "open" : "closed");
      return;
    case "force":
      sim.forceOpen(id);
      return;
    case "jam":
      sim.setFault(id, "jammed");
      return;
    case "flap":
      sim.setFault(id, "flapping");
      return;
    case "clear":
      sim.setFault(id, null);
  }
}
