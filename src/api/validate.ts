/** Request validation with zod: the first problem names its field; nothing reaches a use case unchecked. */
import { z } from "zod";
import { LockerdError } from "../basics/errors.js";

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: "body" | "query" | "path" | "header"): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const keys = (i as { keys?: string[] }).keys;
    const field = [...i.path.map(String), ...(keys ?? [])].join(".") || where;
    return { field, message: i.message };
  });
  const first = issues[0]!;
  throw new LockerdError("VALIDATION_FAILED", `${where} field ${first.field}: ${first.message}`, { field: first.field, in: where, issues });
}

// C0/C1 controls (tab excepted) and unpaired surrogates have no place in a reason or a label.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text a person typed (a reason): printable Unicode, well formed, bounded. */
export function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), "control characters are not allowed")
    .refine((s) => !LONE_SURROGATE.test(s), "not well-formed Unicode");
}

export const lockerId = z.string().regex(/^[A-Z][0-9]{2,3}$/, "a locker id such as A01");
export const parcelId = z.string().regex(/^p_[0-9a-f]{20}$/, "a parcel id such as p_0123456789abcdef0123");
