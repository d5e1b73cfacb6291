/** /pickup: a customer's code (in the body, so it stays out of URLs, or in the path as the design has it). */
import { Router } from "express";
import { z } from "zod";
import { limitedPickupByCode } from "../../bank/attempts.js";
import { pickupByCode } from "../../bank/pickup.js";
import type { Caller } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

// Shape only: a code of the wrong length is still answered with the uniform INVALID_CODE.
const codeSchema = z.string().min(1).max(64);
const pickupBody = z.object({ code: codeSchema }).strict();

export function pickupRouter(deps: ApiDeps): Router {
  const r = Router();
  const { ctx, auth } = deps;

  const pickup = async (code: string, source: string) => {
    const from = { channel: "http", id: source } as const;
    const result = deps.attempts ? await limitedPickupByCode(ctx, deps.attempts, code, from) : await pickupByCode(ctx, code, from);
    return { parcelId: result.parcelId, lockerId: result.lockerId, door: "unlocking" };
  };

  r.post("/pickup", auth.allow("kiosk"), async (req, res) => {
    const { code } = parse(pickupBody, req.body ?? {}, "body");
    res.json(await pickup(code, sourceOf(req.socket.remoteAddress, res.locals.caller as Caller | undefined)));
  });

  r.post("/pickup/:code", auth.allow("kiosk"), async (req, res) => {
    const code = parse(codeSchema, req.params.code, "path");
    res.json(await pickup(code, sourceOf(req.socket.remoteAddress, res.locals.caller as Caller | undefined)));
  });

  return r;
}

/** The limiter's source: the token's name, or the remote address for the open simulator. */
function sourceOf(remote: string | undefined, caller: Caller | undefined): string {
  return caller && caller.name !== "simulator" ? `token:${caller.name}` : `addr:${remote ?? "unknown"}`;
}
