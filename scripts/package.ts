/**
 * `npm run package`: build lockerd_<version>_<arch>.deb with Debian's own tools (dpkg-deb), for
 * the architecture of this machine: the native modules (better-sqlite3, serialport, node-hid,
 * onoff's epoll) are the ones npm built here, so an arm64 (Raspberry Pi) package is built on an
 * arm64 machine. See README "Debian package".
 *
 *   tsx scripts/package.ts [--out DIR] [--ref COMMIT] [--lintian]
 *
 * --ref builds the package of an earlier commit (its sources, compiled with this checkout's
 * TypeScript, and this checkout's production modules): the upgrade test installs the previous
 * release that way. --lintian runs lintian on the result and fails on any tag not overridden in
 * packaging/lockerd/lintian-overrides (each override says why).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const checkout = resolve(dirname(new URL(import.meta.url).pathname), "..");
const packaging = join(checkout, "packaging", "lockerd");
const APP = "/usr/lib/lockerd";

/** Files of the installed tree the runtime does not need (sources and build debris of the native modules). */
const PRUNE = [
  "better-sqlite3/deps",
  "better-sqlite3/src",
  "better-sqlite3/build/Release/obj",
  "better-sqlite3/build/Release/obj.target",
  "better-sqlite3/build/Release/.deps",
  "better-sqlite3/build/deps",
  "better-sqlite3/build/Release/test_extension.node",
];

function run(cmd: string, args: readonly string[], cwd = checkout): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
}

/** Copy this checkout's production node_modules (npm's own list), pruned. */
function copyProductionModules(to: string): void {
  const dirs = run("npm", ["ls", "--omit=dev", "--all", "--parseable"]).split("\n").filter(Boolean);
  const modules = join(checkout, "node_modules");
  for (const dir of dirs) {
    if (!dir.startsWith(modules + "/")) continue; // the project itself
    const rel = relative(modules, dir);
    const target = join(to, "node_modules", rel);
    if (existsSync(target)) continue;
    // A nested package is copied with its parent; skip its own node_modules here.
    cpSync(dir, target, { recursive: true, filter: (src) => !src.slice(dir.length).includes("/node_modules/") });
  }
  for (const p of PRUNE) rmSync(join(to, "node_modules", p), { recursive: true, force: true });
  tidy(join(to, "node_modules"));
}

/** Files no runtime reads: repository and editor files, other platforms' builds, sources, web pages. */
const DROP_FILE = /^(\.eslintrc.*|eslint\.config\..*|\.npmignore|\.gitattributes|\.gitignore|\.editorconfig|.*\.(vcproj|sln|cc|cpp|c|h|html|map))$/;
const DROP_DIR = /^(\.github|obj\.target|\.deps|windows|mac|testgui|benchmarks?|test|tests|docs?)$/;

function tidy(dir: string): void {
  const arch = process.arch;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const otherBuild = basename(dir) === "prebuilds" && (!entry.name.includes(`linux-${arch}`) || entry.name.includes("musl"));
      if (otherBuild || DROP_DIR.test(entry.name)) rmSync(path, { recursive: true, force: true });
      else tidy(path);
    } else if (DROP_FILE.test(entry.name) || (entry.name.endsWith(".node") && entry.name.includes("musl"))) {
      rmSync(path, { force: true });
    }
  }
}

/** Modes as Debian wants them: scripts (a #! line) and nothing else executable; native modules stripped. */
function fixModes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      chmodSync(path, 0o755);
      fixModes(path);
    } else if (entry.isFile()) {
      if (entry.name.endsWith(".node")) run("strip", ["--strip-unneeded", path]);
      const head = readFileSync(path).subarray(0, 2).toString("latin1");
      chmodSync(path, head === "#!" ? 0o755 : 0o644);
    }
  }
}

/** The sources to package: this checkout, or an earlier commit exported to a temp folder. */
function sources(ref: string | undefined, work: string): string {
  if (!ref) return checkout;
  const dir = join(work, "src-at-ref");
  mkdirSync(dir);
  const tar = execFileSync("git", ["archive", "--format=tar", ref], { cwd: checkout, maxBuffer: 512 << 20 });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  return dir;
}

function compile(src: string, outDir: string): void {
  // The earlier commit's sources resolve their types and modules from this checkout.
  if (src !== checkout) symlinkSync(join(checkout, "node_modules"), join(src, "node_modules"));
  run(join(checkout, "node_modules", ".bin", "tsc"), ["-p", join(src, "tsconfig.build.json"), "--outDir", outDir, "--sourceMap", "false"], src);
}

/** The Debian changelog dpkg tools expect, one entry for this version, pointing at CHANGELOG.md's section. */
function debianChangelog(markdown: string, version: string, date: string): string {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(version) || (s.startsWith("Unreleased") && !markdown.includes(`## ${version}`)));
  const lines = (section ?? "").split("\n").slice(1).map((l) => l.trim()).filter((l) => l.startsWith("- ")).map((l) => `  * ${l.slice(2)}`);
  const body = lines.length > 0 ? lines.join("\n") : `  * lockerd ${version}: see README.md.`;
  return `lockerd (${version}) unstable; urgency=medium\n\n${body}\n\n -- lockerd team <lockerd@example.org>  ${date}\n`;
}

function commitDate(ref: string | undefined): string {
  return run("git", ["log", "-1", "--format=%aD", ref ?? "HEAD"]).trim();
}

function wrapper(script: string, what: string): string {
  return `#!/bin/sh
# ${what} (lockerd package).
LOCKERD_CONFIG="\${LOCKERD_CONFIG:-/etc/lockerd/lockerd.json}" exec /usr/bin/node ${APP}/dist/src/${script} "$@"
`;
}

function put(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

function duKiB(dir: string): number {
  return Number(run("du", ["-sk", "--apparent-size", dir]).split("\t")[0]);
}

export function buildPackage(opts: { out: string; ref?: string }): string {
  const work = mkdtempSync(join(tmpdir(), "lockerd-package-"));
  try {
    const src = sources(opts.ref, work);
    const pkg = JSON.parse(readFileSync(join(src, "package.json"), "utf8")) as { version: string };
    const arch = run("dpkg", ["--print-architecture"]).trim();
    const root = join(work, "root");
    const app = join(root, APP.slice(1));
    mkdirSync(app, { recursive: true });

    compile(src, join(app, "dist"));
    copyProductionModules(app);
    cpSync(join(src, "package.json"), join(app, "package.json"));
    cpSync(join(src, "hardware"), join(app, "hardware"), { recursive: true });
    fixModes(app);
    put(join(root, "usr/bin/lockerd"), wrapper("main.js", "the locker bank controller"), 0o755);
    put(join(root, "usr/bin/lockerctl"), wrapper("cli/main.js", "the technician's CLI"), 0o755);
    put(join(root, "usr/bin/lockerd-outputs-off"), wrapper("tools/outputs-off.js", "every lock output off"), 0o755);
    const unit = readFileSync(join(src, "systemd", "lockerd.service"), "utf8")
      .replaceAll("/opt/lockerd/docs/installing.md", "/usr/share/doc/lockerd/README.md")
      .replaceAll("/opt/lockerd", APP)
      .replace(/^# Installed by scripts\/install.sh.*\n# in a drop-in.*\n/m, "# Installed by the lockerd package. Local changes belong in a drop-in (systemctl edit lockerd).\n");
    put(join(root, "lib/systemd/system/lockerd.service"), unit, 0o644);
    put(join(root, "lib/udev/rules.d/70-lockerd.rules"), readFileSync(join(src, "hardware/udev/70-lockerd.rules"), "utf8"), 0o644);
    // 0644 as Debian ships conffiles; postinst makes it 0640 root:lockerd once the group exists.
    put(join(root, "etc/lockerd/lockerd.json"), readFileSync(join(packaging, "lockerd.json"), "utf8"), 0o644);
    put(join(root, "usr/share/doc/lockerd/README.md"), readFileSync(join(src, "README.md"), "utf8"), 0o644);
    put(join(root, "usr/share/doc/lockerd/copyright"), readFileSync(join(packaging, "copyright"), "utf8"), 0o644);
    const changelog = join(root, "usr/share/doc/lockerd/changelog");
    const notes = existsSync(join(src, "CHANGELOG.md")) ? readFileSync(join(src, "CHANGELOG.md"), "utf8") : "";
    put(changelog, debianChangelog(notes, pkg.version, commitDate(opts.ref)), 0o644);
    run("gzip", ["-9n", changelog]);
    put(join(root, "usr/share/lintian/overrides/lockerd"), readFileSync(join(packaging, "lintian-overrides"), "utf8"), 0o644);

    const debian = join(root, "DEBIAN");
    mkdirSync(debian);
    const control = readFileSync(join(packaging, "control.in"), "utf8")
      .replace("@VERSION@", pkg.version)
      .replace("@ARCH@", arch)
      .replace("@SIZE@", String(duKiB(root)));
    put(join(debian, "control"), control, 0o644);
    put(join(debian, "conffiles"), "/etc/lockerd/lockerd.json\n", 0o644);
    for (const script of ["postinst", "prerm", "postrm"]) put(join(debian, script), readFileSync(join(packaging, script), "utf8"), 0o755);

    mkdirSync(opts.out, { recursive: true });
    const deb = join(opts.out, `lockerd_${pkg.version}_${arch}.deb`);
    run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, deb]);
    return deb;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** lintian's tags for the package, those the overrides do not cover. */
export function lintian(deb: string): string[] {
  const r = spawnSync("lintian", ["--no-tag-display-limit", "--suppress-tags", "", deb], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`lintian could not run: ${r.error.message} (Debian package lintian)`);
  return r.stdout.split("\n").filter((l) => /^[EW]: /.test(l));
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({ options: { out: { type: "string" }, ref: { type: "string" }, lintian: { type: "boolean" } } });
  const out = resolve(values.out ?? join(checkout, "dist", "packages"));
  const deb = buildPackage({ out, ...(values.ref ? { ref: values.ref } : {}) });
  console.log(`built ${relative(process.cwd(), deb) || deb} (${Math.round(statSync(deb).size / 1024)} KiB)`);
  if (values.lintian) {
    const tags = lintian(deb);
    for (const t of tags) console.log(t);
    if (tags.length > 0) {
      console.error(`lintian: ${tags.length} tag(s) not explained in packaging/lockerd/lintian-overrides`);
      process.exitCode = 1;
    } else {
      console.log("lintian: clean (overridden tags are explained in packaging/lockerd/lintian-overrides)");
    }
  }
}
