/** /pickup: a customer's code (in the body, so it stays out of URLs, or in the path as the design has it). */
import { Router } from "express";
import { z } from "zod";
import { pickupByCode } from "../../bank/pickup.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

// Shape only: a code of the wrong length is still answered with the uniform INVALID_CODE.
const codeSchema = z.string().min(1).max(64);
const pickupBody = z.object({ code: codeSchema }).strict();

export function pickupRouter(deps: ApiDeps): Router {
  const r = Router();
  const { ctx, auth } = deps;

  const pickup = async (code: string, source: string) => {
    const result = await pickupByCode(ctx, code, { channel: "http", id: source });
    return { parcelId: result.parcelId, lockerId: result.lockerId, door: "unlocking" };
  };

  r.post("/pickup", auth.allow("kiosk"), async (req, res) => {
    const { code } = parse(pickupBody, req.body ?? {}, "body");
    res.json(await pickup(code, req.socket.remoteAddress ?? "unknown"));
  });

  r.post("/pickup/:code", auth.allow("kiosk"), async (req, res) => {
    const code = parse(codeSchema, req.params.code, "path");
    res.json(await pickup(code, req.socket.remoteAddress ?? "unknown"));
  });

  return r;
}
