/**
 * /sim: the simulated bank's hardware, for the bank page and demos: move doors by hand, cause
 * faults, take the hardware offline. Present only when the bank is simulated; every action
 * goes through the same simulated-device interfaces the tests use.
 */
import { z } from "zod";
import { LockerdError } from "../../basics/errors.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId } from "../validate.js";

const lockerParam = z.object({ id: lockerId }).strict();
const doorBody = z.object({ action: z.enum(["open", "close", "jam", "force", "flap", "clear"]) }).strict();
const hardwareBody = z.object({ online: z.boolean() }).strict();
const keypadBody = z.object({ keys: z.string().min(1).max(32).regex(/^[0-9*#]+$/, "digits, * and #") }).strict();
const scannerBody = z.object({ data: z.string().min(1).max(4096) }).strict();
const feedbackView = z.object({
  accepted: z.boolean().meta({ description: "whether the device took the input (a scan the filter dropped is false)" }),
  pattern: z.string().nullable().meta({ description: "what the bank's lights and buzzer showed in answer, if anything within three seconds" }),
});

/** The indicator patterns that answer a person's input. */
const ANSWERS = new Set(["accepted", "rejected", "locked_out", "door_opening", "courier_mode", "error"]);

export function simRoutes(deps: ApiDeps): Route[] {
  const sim = deps.sim;
  if (!sim) return [];
  const input = deps.simInput;

  /** Run an input and wait (briefly) for the bank's feedback to it. */
  const withFeedback = async (act: () => boolean): Promise<z.infer<typeof feedbackView>> => {
    const indicator = input?.indicator;
    if (!indicator) return { accepted: act(), pattern: null };
    let unsubscribe = () => {};
    const answered = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 3000);
      unsubscribe = indicator.subscribe((p) => {
        if (!ANSWERS.has(p)) return;
        clearTimeout(timer);
        resolve(p);
      });
    });
    try {
      const accepted = act();
      return { accepted, pattern: accepted ? await answered : null };
    } finally {
      unsubscribe();
    }
  };

  /** A simulated input device's route: run the input, answer with the bank's feedback to it. */
  const inputRoute = <B extends z.ZodType>(path: string, summary: string, answer: string, body: B, act: (input: z.output<B>) => boolean): Route =>
    defineRoute({
      method: "post",
      path,
      tag: "simulator",
      summary,
      access: [],
      body,
      responses: { 200: { description: answer, schema: feedbackView } },
      handler: async (given, _req, res) => {
        res.json(await withFeedback(() => act(given.body)));
      },
    });

  const inputRoutes: Route[] = [];
  if (input?.keypad) {
    const keypad = input.keypad;
    inputRoutes.push(
      inputRoute("/sim/keypad", "Simulated bank: press keys on the bank's keypad (digits, * to clear, # to enter)", "the keys were pressed; the bank's feedback", keypadBody, ({ keys }) => {
        keypad.press(keys);
        return true;
      }),
    );
  }
  if (input?.scanner) {
    const scanner = input.scanner;
    inputRoutes.push(inputRoute("/sim/scanner", "Simulated bank: show a barcode or QR code to the bank's scanner", "what the scanner did with it; the bank's feedback", scannerBody, ({ data }) => scanner.scan(data)));
  }

  return [
    ...inputRoutes,
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
