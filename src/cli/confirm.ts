/** Asking a person before a door opens: only on a terminal; scripts must say --yes. */
import { createInterface } from "node:readline/promises";
import type { CliContext } from "./context.js";
import { usageError } from "./errors.js";

export async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  if (!ctx.io.stdin.isTTY) throw usageError(`${question} — stdin is not a terminal, so nobody can confirm: pass --yes`);
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
