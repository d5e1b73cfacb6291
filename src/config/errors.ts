import { readFileSync } from "node:fs";

/** A configuration or layout that cannot be used: every problem, each with where and what. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Turn zod issues into lines naming the key path, what was expected and what was found. */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string; code: string; keys?: readonly string[] }[],
  input: unknown,
): string[] {
  return issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join(".") : "(top level)";
    if (i.code === "unrecognized_keys") return `${path}: unknown key${(i.keys?.length ?? 0) > 1 ? "s" : ""} ${(i.keys ?? []).map((k) => JSON.stringify(k)).join(", ")}`;
    const found = valueAt(input, i.path);
    const shown = found === undefined ? "nothing" : JSON.stringify(found)?.slice(0, 80);
    return `${path}: ${i.message} (found ${shown})`;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A configuration file's JSON; ConfigError when it cannot be read or is not JSON. */
export function readJsonConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(path, [`cannot read the configuration file: ${(e as Error).message}`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(path, [`not valid JSON: ${(e as Error).message}`]);
  }
}
