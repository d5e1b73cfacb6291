/**
 * Canonical JSON: one value, one byte string. Object keys sorted by UTF-16 code units (as JCS,
 * RFC 8785, sorts them), no whitespace, strings escaped as JSON.stringify escapes them, and only
 * values whose text is unambiguous: strings, booleans, null, safe integers, arrays and plain
 * objects. Fractions, -0, NaN, huge integers, undefined and anything else are refused, so a
 * signer and a verifier can never disagree about the bytes of a value.
 */
export type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

export class CanonicalJsonError extends Error {}

export function canonicalJson(value: unknown): string {
  return encode(value, "$");
}

/** Parse text that must already be canonical; the parsed value, or an error saying why not. */
export function parseCanonicalJson(text: string): CanonicalValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CanonicalJsonError(`not JSON: ${(e as Error).message}`);
  }
  if (encode(value, "$") !== text) throw new CanonicalJsonError("not in canonical form (key order, spacing, escapes or numbers differ)");
  return value as CanonicalValue;
}

function encode(v: unknown, path: string): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw new CanonicalJsonError(`${path}: only safe integers are allowed, not ${String(v)}`);
      return String(v);
    case "object": {
      if (Array.isArray(v)) return `[${v.map((x, i) => encode(x, `${path}[${i}]`)).join(",")}]`;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(`${path}: only plain objects are allowed`);
      const keys = Object.keys(v).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode((v as Record<string, unknown>)[k], `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new CanonicalJsonError(`${path}: ${typeof v} cannot be signed`);
  }
}
