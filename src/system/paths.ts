/** Where lockerd's own files are, whether it runs from src/ (tsx) or dist/ (compiled). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "hardware"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find lockerd's package root");
    dir = up;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
/** This lockerd's version (package.json), as a bank reports it to the central service. */
export const SOFTWARE_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
export const DEFAULT_LAYOUT = join(PACKAGE_ROOT, "hardware", "layouts", "demo-24.json");
/** The bank page's static files (served as they are; no build step). */
export const PAGE_DIR = join(PACKAGE_ROOT, "src", "page", "assets");
