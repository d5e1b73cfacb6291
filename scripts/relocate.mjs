#!/usr/bin/env node
/* global process, console, URL */
// Move TypeScript modules and rewrite every relative import of them, in the whole repository.
//
//   node scripts/relocate.mjs OLD=NEW [OLD=NEW ...]      (paths from the repository root, .ts)
//   node scripts/relocate.mjs --imports-only OLD=NEW ... (the files already moved, e.g. after a
//                                                         merge brought new imports of OLD)
//
// Each OLD is `git mv`ed to NEW (unless --imports-only or NEW already exists and OLD does not),
// then every .ts/.mts/.js file under src/, test/, bench/ and scripts/ has each relative import
// ("./x.js", "../bank/errors.js", import("..."), vi.mock("...")) resolved against its own folder:
// one naming a moved module is rewritten to the new relative path, and the moved files' own
// imports are rewritten from their new place. Idempotent: running it again changes nothing.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const importsOnly = args.includes("--imports-only");
const moves = new Map(); // absolute old .ts → absolute new .ts
for (const a of args.filter((x) => !x.startsWith("--"))) {
  const [from, to] = a.split("=");
  if (!from || !to) throw new Error(`expected OLD=NEW, got ${a}`);
  moves.set(resolve(root, from), resolve(root, to));
}

// files moved by this run: their imports are still relative to where they were
const back = new Map();
for (const [from, to] of moves) {
  if (importsOnly || (!existsSync(from) && existsSync(to))) continue;
  execFileSync("git", ["mv", relative(root, from), relative(root, to)], { cwd: root, stdio: "inherit" });
  back.set(to, from);
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

const SPEC = /((?:from|import|mock|importActual)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\2/g;
let changed = 0;
for (const top of ["src", "test", "bench", "scripts"]) {
  if (!existsSync(join(root, top))) continue;
  for (const file of files(join(root, top))) {
    const text = readFileSync(file, "utf8");
    // where this file was when its imports were written (a moved file's imports are relative to its old place)
    const wasAt = back.get(file) ?? file;
    const out = text.replace(SPEC, (all, pre, q, spec) => {
      const target = resolve(dirname(wasAt), spec).replace(/\.js$/, ".ts");
      const now = moves.get(target) ?? (back.has(file) && existsSync(target) ? target : null);
      if (!now) return all;
      let rel = relative(dirname(file), now).replace(/\.ts$/, ".js");
      if (!rel.startsWith(".")) rel = "./" + rel;
      return `${pre}${q}${rel}${q}`;
    });
    if (out !== text) {
      writeFileSync(file, out);
      changed++;
    }
  }
}
console.log(`relocate: ${moves.size} module(s), imports rewritten in ${changed} file(s)`);
