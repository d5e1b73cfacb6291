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

/**
 * Copy this checkout's production node_modules (npm's own list), pruned. `only`, when given,
 * keeps the modules under node_modules that it names (folders relative to node_modules).
 */
function copyProductionModules(to: string, only?: ReadonlySet<string>): void {
  const dirs = run("npm", ["ls", "--omit=dev", "--all", "--parseable"]).split("\n").filter(Boolean);
  const modules = join(checkout, "node_modules");
  for (const dir of dirs) {
    if (!dir.startsWith(modules + "/")) continue; // the project itself
    if (only && !only.has(relative(modules, dir))) continue;
    const rel = relative(modules, dir);
    const target = join(to, "node_modules", rel);
    if (existsSync(target)) continue;
    // A nested package is copied with its parent; skip its own node_modules here.
    cpSync(dir, target, { recursive: true, filter: (src) => !src.slice(dir.length).includes("/node_modules/") });
  }
  for (const p of PRUNE) rmSync(join(to, "node_modules", p), { recursive: true, force: true });
  tidy(join(to, "node_modules"));
}

/**
 * The production modules a set of top-level dependencies needs: each with its dependencies
 * (and the optional ones npm installed), resolved as Node resolves them (a nested copy first),
 * as folders relative to node_modules.
 */
function moduleClosure(roots: readonly string[]): Set<string> {
  const modules = join(checkout, "node_modules");
  const found = new Set<string>();
  const resolveFrom = (fromRel: string, name: string): string | null => {
    // from node_modules/a/node_modules/b look in .../b/node_modules, .../a/node_modules, node_modules
    let at = fromRel;
    for (;;) {
      const candidate = at ? join(at, "node_modules", name) : name;
      if (existsSync(join(modules, candidate, "package.json"))) return candidate;
      if (!at) return null;
      const i = at.lastIndexOf("/node_modules/");
      at = i < 0 ? "" : at.slice(0, i);
    }
  };
  const visit = (rel: string) => {
    if (found.has(rel)) return;
    found.add(rel);
    const pkg = JSON.parse(readFileSync(join(modules, rel, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const dep = resolveFrom(rel, name);
      if (dep) visit(dep);
      else if (!pkg.optionalDependencies?.[name]) throw new Error(`${rel} needs ${name}, which is not installed`);
    }
  };
  for (const name of roots) {
    const rel = resolveFrom("", name);
    if (!rel) throw new Error(`${name} is not installed (npm ci)`);
    visit(rel);
  }
  return found;
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
function debianChangelog(markdown: string, version: string, date: string, name = "lockerd"): string {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(version) || (s.startsWith("Unreleased") && !markdown.includes(`## ${version}`)));
  // an entry is a "- " line and the indented lines that continue it
  const entries: string[] = [];
  for (const l of (section ?? "").split("\n").slice(1)) {
    if (l.startsWith("- ")) entries.push(l.slice(2).trim());
    else if (/^\s+\S/.test(l) && entries.length > 0) entries[entries.length - 1] += ` ${l.trim()}`;
  }
  const lines = entries.map((e) => wrap(e, 76).map((w, i) => (i === 0 ? `  * ${w}` : `    ${w}`)).join("\n"));
  const body = lines.length > 0 ? lines.join("\n") : `  * ${name} ${version}: see README.md.`;
  return `${name} (${version}) unstable; urgency=medium\n\n${body}\n\n -- lockerd team <lockerd@example.org>  ${date}\n`;
}

/** Words into lines of at most width characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = out.length - 1;
    if (last >= 0 && out[last]!.length + 1 + word.length <= width) out[last] += ` ${word}`;
    else out.push(word);
  }
  return out;
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

/**
 * The Node.js the package runs on: the major version that built its native modules (their ABI,
 * NODE_MODULE_VERSION, changes with every major), so a package built with Node 20 is not
 * installed beside Node 22 or 24, where better-sqlite3 would refuse to load.
 */
function nodejsDepends(): string {
  const major = Number(process.versions.node.split(".")[0]);
  return `nodejs (>= ${major === 20 ? "20.9" : `${major}.0`}), nodejs (<< ${major + 1})`;
}

/** Docs, lintian overrides, DEBIAN/ (control, conffiles, maintainer scripts), then dpkg-deb. */
function finish(p: { name: string; src: string; root: string; version: string; arch: string; ref: string | undefined; out: string; conffile: string }): string {
  const { name, src, root } = p;
  const own = join(checkout, "packaging", name);
  const doc = join(root, "usr/share/doc", name);
  put(join(doc, "README.md"), readFileSync(join(src, "README.md"), "utf8"), 0o644);
  put(join(doc, "copyright"), readFileSync(join(own, "copyright"), "utf8"), 0o644);
  const notes = existsSync(join(src, "CHANGELOG.md")) ? readFileSync(join(src, "CHANGELOG.md"), "utf8") : "";
  put(join(doc, "changelog"), debianChangelog(notes, p.version, commitDate(p.ref), name), 0o644);
  run("gzip", ["-9n", join(doc, "changelog")]);
  put(join(root, "usr/share/lintian/overrides", name), readFileSync(join(own, "lintian-overrides"), "utf8"), 0o644);

  const debian = join(root, "DEBIAN");
  mkdirSync(debian);
  const control = readFileSync(join(own, "control.in"), "utf8")
    .replace("@VERSION@", p.version)
    .replace("@ARCH@", p.arch)
    .replace("@SIZE@", String(duKiB(root)))
    .replace("@NODEJS@", nodejsDepends());
  put(join(debian, "control"), control, 0o644);
  put(join(debian, "conffiles"), `${p.conffile}\n`, 0o644);
  for (const script of ["postinst", "prerm", "postrm"]) put(join(debian, script), readFileSync(join(own, script), "utf8"), 0o755);

  mkdirSync(p.out, { recursive: true });
  const deb = join(p.out, `${name}_${p.version}_${p.arch}.deb`);
  run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, deb]);
  return deb;
}

/** Modules only a bank's hardware needs (and what only they need): the central package leaves them out. */
const BANK_ONLY_MODULES = ["better-sqlite3", "node-hid", "onoff", "serialport"];
const CENTRAL_APP = "/usr/lib/lockerd-central";

/**
 * lockerd-central_<version>_<arch>.deb: the same compiled tree (the central service imports
 * shared basics, the API registry and the logger), the production modules less the bank's
 * hardware ones, the message templates, /usr/bin/lockerd-central, its unit and a starter
 * /etc/lockerd-central/central.json (a conffile). Architecture-specific: unix-dgram (sd_notify)
 * is a native module.
 */
export function buildCentralPackage(opts: { out: string; ref?: string }): string {
  const work = mkdtempSync(join(tmpdir(), "lockerd-central-package-"));
  try {
    const src = sources(opts.ref, work);
    const pkg = JSON.parse(readFileSync(join(src, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    const arch = run("dpkg", ["--print-architecture"]).trim();
    const root = join(work, "root");
    const app = join(root, CENTRAL_APP.slice(1));
    mkdirSync(app, { recursive: true });

    compile(src, join(app, "dist"));
    copyProductionModules(app, moduleClosure(Object.keys(pkg.dependencies).filter((d) => !BANK_ONLY_MODULES.includes(d))));
    cpSync(join(src, "package.json"), join(app, "package.json"));
    // hardware/ marks the package root (src/system/paths.ts); the layouts are a few KiB.
    cpSync(join(src, "hardware"), join(app, "hardware"), { recursive: true });
    cpSync(join(src, "templates"), join(app, "templates"), { recursive: true });
    fixModes(app);
    put(
      join(root, "usr/bin/lockerd-central"),
      `#!/bin/sh
# lockerd-central, the fleet's central service (lockerd-central package).
LOCKERD_CENTRAL_CONFIG="\${LOCKERD_CENTRAL_CONFIG:-/etc/lockerd-central/central.json}" exec /usr/bin/node ${CENTRAL_APP}/dist/src/central/service/main.js "$@"
`,
      0o755,
    );
    const unit = readFileSync(join(src, "systemd", "lockerd-central.service"), "utf8")
      .replaceAll("file:/opt/lockerd/README.md", "file:/usr/share/doc/lockerd-central/README.md")
      .replaceAll("/opt/lockerd", CENTRAL_APP)
      .replaceAll("/etc/lockerd/central.json", "/etc/lockerd-central/central.json")
      .replace(/\/etc\/lockerd\b(?!-)/g, "/etc/lockerd-central")
      .replace(/^# Install as \/etc\/systemd\/system\/lockerd-central\.service; local changes belong in a drop-in\n# \(systemctl edit lockerd-central\)\.\n/m, "# Installed by the lockerd-central package. Local changes belong in a drop-in (systemctl edit lockerd-central).\n");
    put(join(root, "lib/systemd/system/lockerd-central.service"), unit, 0o644);
    // 0644 as Debian ships conffiles; postinst makes it 0640 root:lockerd-central once the group exists.
    put(join(root, "etc/lockerd-central/central.json"), readFileSync(join(checkout, "packaging/lockerd-central/central.json"), "utf8"), 0o644);
    return finish({ name: "lockerd-central", src, root, version: pkg.version, arch, ref: opts.ref, out: opts.out, conffile: "/etc/lockerd-central/central.json" });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
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
    return finish({ name: "lockerd", src, root, version: pkg.version, arch, ref: opts.ref, out: opts.out, conffile: "/etc/lockerd/lockerd.json" });
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
  const ref = values.ref ? { ref: values.ref } : {};
  for (const [name, build] of [
    ["lockerd", buildPackage],
    ["lockerd-central", buildCentralPackage],
  ] as const) {
    const deb = build({ out, ...ref });
    console.log(`built ${relative(process.cwd(), deb) || deb} (${Math.round(statSync(deb).size / 1024)} KiB)`);
    if (values.lintian) {
      const tags = lintian(deb);
      for (const t of tags) console.log(t);
      if (tags.length > 0) {
        console.error(`lintian: ${tags.length} tag(s) not explained in packaging/${name}/lintian-overrides`);
        process.exitCode = 1;
      } else {
        console.log(`lintian: ${name} clean (overridden tags are explained in packaging/${name}/lintian-overrides)`);
      }
    }
  }
}
