/**
 * A model of a power cut for a daemon process: only what a completed fsync/fdatasync made
 * durable survives. The LD_PRELOAD shim (power-cut.c, built here with cc) keeps, beside the
 * watched directory, each file's content as of its last completed sync and the directory's
 * names as of its last completed sync; `cutImage` builds the directory as the cut leaves it.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/system/paths.js";

export interface PowerCut {
  /** Environment for the daemon process (LD_PRELOAD and the shim's settings). */
  env: Record<string, string>;
  /** Build `out` as the watched directory would be after a power cut now (the -shm left out: it is never durable). */
  cutImage(out: string): string[];
}

/** Build the shim in `work` and watch `dir`; the files already in it count as durable as they are. */
export function powerCut(dir: string, work: string): PowerCut {
  const shim = join(work, "power-cut.so");
  const cc = spawnSync("cc", ["-shared", "-fPIC", "-O2", "-o", shim, join(PACKAGE_ROOT, "test/support/power-cut.c"), "-ldl", "-lpthread"], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`building the power-cut shim failed: ${cc.stderr || cc.error?.message}`);
  const watched = realpathSync(dir);
  const images = join(work, "durable");
  mkdirSync(images);
  const files = readdirSync(watched).filter((n) => statSync(join(watched, n)).isFile());
  for (const n of files) copyFileSync(join(watched, n), join(images, `${n}.data`));
  writeFileSync(join(images, ".names"), files.map((n) => `${n}\n`).join(""));
  return {
    // UV_USE_IO_URING=0: libuv's fdatasync stays a libc call the shim sees.
    env: { LD_PRELOAD: shim, POWERCUT_DIR: watched, POWERCUT_IMAGES: images, UV_USE_IO_URING: "0" },
    cutImage(out) {
      mkdirSync(out, { recursive: true });
      const names = readFileSync(join(images, ".names"), "utf8").split("\n").filter((n) => n !== "" && !n.endsWith("-shm"));
      for (const n of names) {
        const data = join(images, `${n}.data`);
        // A name made durable before any of its content: an empty file.
        if (existsSync(data)) copyFileSync(data, join(out, n));
        else writeFileSync(join(out, n), "");
      }
      return names;
    },
  };
}
