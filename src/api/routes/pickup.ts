/** /pickup: a customer's code (in the body, so it stays out of URLs, or in the path as the design has it). */
import type { Request, Response } from "express";
import { z } from "zod";
import { pickupByCode } from "../../bank/pickup.js";
import type { Caller } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { pickupView } from "../views.js";

// Shape only: a code of the wrong length is still answered with the uniform INVALID_CODE.
const codeSchema = z.string().min(1).max(64);
const pickupBody = z.object({ code: codeSchema }).strict();
const codeParam = z.object({ code: codeSchema }).strict();

export function pickupRoutes(deps: ApiDeps): Route[] {
  const { ctx } = deps;

  /** Both routes: the code, tried on behalf of the caller (the limiter's source), opens its parcel's door. */
  const pickup = async (code: string, req: Request, res: Response) => {
    const from = { channel: "http", id: sourceOf(req.socket.remoteAddress, res.locals.caller as Caller | undefined) } as const;
    const result = await pickupByCode(ctx, code, from);
    res.json({ parcelId: result.parcelId, lockerId: result.lockerId, door: "unlocking" });
  };
  const common = {
    tag: "pickup",
    access: ["kiosk"],
    responses: { 200: { description: "the parcel's door is unlocking", schema: pickupView } },
    errors: ["INVALID_CODE", "TOO_MANY_ATTEMPTS", "DOOR_UNAVAILABLE", "LOCKER_BUSY"],
    idempotencyKey: true,
  } as const;

  return [
    defineRoute({
      ...common,
      method: "post",
      path: "/pickup",
      summary: "Open the door of the parcel a pickup code belongs to",
      body: pickupBody,
      handler: ({ body }, req, res) => pickup(body.code, req, res),
    }),
    defineRoute({
      ...common,
      method: "post",
      path: "/pickup/:code",
      summary: "The same with the code in the path (kept out of logs; prefer the body)",
      params: codeParam,
      handler: ({ params }, req, res) => pickup(params.code, req, res),
    }),
  ];
}

/** The limiter's source: the token's name, or the remote address for the open simulator. */
function sourceOf(remote: string | undefined, caller: Caller | undefined): string {
  return caller && caller.name !== "simulator" ? `token:${caller.name}` : `addr:${remote ?? "unknown"}`;
}
