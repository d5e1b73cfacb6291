/** Where lockerd's own files are, whether it runs from src/ (tsx) or dist/ (compiled). */
import { existsSync } from "node:fs";
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
export const DEFAULT_LAYOUT = join(PACKAGE_ROOT, "hardware", "layouts", "demo-24.json");
/** The bank page's static files (served as they are; no build step). */
export const PAGE_DIR = join(PACKAGE_ROOT, "src", "page", "assets");
