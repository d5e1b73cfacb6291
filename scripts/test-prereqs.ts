/**
 * What the test suite needs that npm cannot bring: Debian packages. `npm test` runs this first.
 * Missing ones are installed with apt-get when run as root (printing what it installs); otherwise
 * it stops at once with one line per missing tool and the one command that installs them all.
 *
 *   tsx scripts/test-prereqs.ts           check, and install what is missing when root
 *   tsx scripts/test-prereqs.ts --check   check only (exit 1 when something is missing)
 *
 * LOCKERD_PREREQ_ROOT prefixes every absolute path looked at (the test of this script points it
 * at an empty folder, with an empty PATH, to see every tool reported missing).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

interface Prereq {
  /** What the tests use it for, in a few words. */
  why: string;
  /** The Debian package that brings it. */
  pkg: string;
  /** True when present. */
  present(): boolean;
  /** Set when an environment variable makes the tool unnecessary. */
  skippedBy?: string;
}

const root = process.env.LOCKERD_PREREQ_ROOT ?? "";
const at = (path: string): string => root + path;

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function anyFile(dirs: readonly string[], name: string): boolean {
  return dirs.some((d) => existsSync(at(join(d, name))));
}

function postgresServer(): boolean {
  const base = at("/usr/lib/postgresql");
  if (!existsSync(base)) return false;
  return readdirSync(base).some((v) => existsSync(join(base, v, "bin", "initdb")) && existsSync(join(base, v, "bin", "pg_ctl")));
}

const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/arm-linux-gnueabihf", "/usr/lib", "/lib"];

const PREREQS: readonly Prereq[] = [
  { why: "serial-line tests (pseudo-terminal pairs)", pkg: "socat", present: () => onPath("socat") },
  { why: "the USB keypad driver's runtime (node-hid)", pkg: "libusb-1.0-0", present: () => anyFile(LIB_DIRS, "libusb-1.0.so.0") },
  {
    why: "the central database of the sync tests",
    pkg: "postgresql-15",
    present: postgresServer,
    ...(process.env.LOCKERD_TEST_PG_URL ? { skippedBy: "LOCKERD_TEST_PG_URL" } : {}),
  },
  {
    why: "the connection-pooler tests",
    pkg: "pgbouncer",
    present: () => existsSync(at("/usr/sbin/pgbouncer")),
  },
  {
    why: "the browser tests of the pages",
    pkg: "chromium",
    present: () => existsSync(process.env.CHROMIUM_PATH ? at(process.env.CHROMIUM_PATH) : at("/usr/bin/chromium")),
  },
  { why: "the systemd unit checks (systemd-analyze)", pkg: "systemd", present: () => onPath("systemd-analyze") },
  { why: "checking a /metrics scrape (promtool check metrics)", pkg: "prometheus", present: () => onPath("promtool") },
  { why: "the Debian package test's scratch root", pkg: "mmdebstrap", present: () => onPath("mmdebstrap") },
  { why: "the Debian package test's lintian check", pkg: "lintian", present: () => onPath("lintian") },
  { why: "the sealed-code test of a key made by openssl genpkey", pkg: "openssl", present: () => onPath("openssl") },
  { why: "seeing which thread flushes the database (strace)", pkg: "strace", present: () => onPath("strace") },
  { why: "building the power-cut test's LD_PRELOAD shim (cc)", pkg: "gcc", present: () => onPath("cc") },
  { why: "the power-cut shim's C headers (gcc only recommends them)", pkg: "libc6-dev", present: () => existsSync(at("/usr/include/stdio.h")) },
];

function main(): number {
  const checkOnly = process.argv.includes("--check");
  const missing = PREREQS.filter((p) => !p.skippedBy && !p.present());
  if (missing.length === 0) return 0;
  const pkgs = missing.map((p) => p.pkg);
  const isRoot = process.getuid?.() === 0;
  if (!checkOnly && isRoot && onPath("apt-get")) {
    console.log(`test prerequisites: installing ${pkgs.join(" ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const install = update.status === 0 && spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
    if (install && install.status === 0) {
      const still = missing.filter((p) => !p.present());
      if (still.length === 0) return 0;
      for (const p of still) console.error(`test prerequisites: ${p.pkg} installed but still not found`);
      return 1;
    }
    console.error("test prerequisites: apt-get failed (output above)");
    return 1;
  }
  for (const p of missing) console.error(`missing: ${p.pkg} (${p.why})`);
  console.error(`install them with: sudo apt-get install -y --no-install-recommends ${pkgs.join(" ")}`);
  return 1;
}

process.exitCode = main();
