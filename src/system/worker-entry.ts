/**
 * A worker thread's entry: the compiled file next to the caller, or, when lockerd runs from its
 * TypeScript source (tsx, vitest), a two-line bootstrap that registers tsx's loader in the new
 * thread before importing the source (a worker does not inherit the loader, nor take `--import`).
 * `callerUrl`: the import.meta.url of the module starting the worker; `file`: the worker's file
 * name without extension, beside it.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export function workerEntry(callerUrl: string, file: string): { entry: URL | string; evalCode: boolean } {
  if (!callerUrl.endsWith(".ts")) return { entry: new URL(`./${file}.js`, callerUrl), evalCode: false };
  const source = new URL(`./${file}.ts`, callerUrl).href;
  const tsx = pathToFileURL(join(dirname(createRequire(callerUrl).resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;
  return { entry: `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}));`, evalCode: true };
}
