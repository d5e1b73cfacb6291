/** Request validation with zod: the first problem names its field; nothing reaches a use case unchecked. */
import type { z } from "zod";
import { LockerdError } from "../bank/errors.js";

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: "body" | "query" | "path"): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const keys = (i as { keys?: string[] }).keys;
    const field = [...i.path.map(String), ...(keys ?? [])].join(".") || where;
    return { field, message: i.message };
  });
  const first = issues[0]!;
  throw new LockerdError("VALIDATION_FAILED", `${where} field ${first.field}: ${first.message}`, { field: first.field, issues });
}
