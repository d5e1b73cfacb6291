/**
 * The Debian package, as an operator meets it: built by `npm run package` (scripts/package.ts),
 * lintian clean, its unit accepted by systemd, then installed into a scratch Debian 12 root
 * (mmdebstrap) the way dpkg installs it on a Pi: the previous release first (built from the
 * commit in packaging/previous-release), a parcel assigned, the configuration edited locally,
 * then this version over it (the database kept and migrated, the edit kept), remove (data
 * kept), purge (data gone). The lockerd-central package the same way: built, lintian clean, its
 * unit verified, then installed into its own scratch root, where it migrates and serves a real
 * PostgreSQL named in its conffile, as its own user; remove keeps the configuration, purge
 * deletes it. The chroot needs root: as another user that part cannot run, and says so.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCentralPackage, buildPackage, lintian } from "../../scripts/package.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { createTestDatabase } from "../support/pg.js";
import { exposure, unitScratch } from "../support/systemd-unit.js";

const ROOT = resolve(import.meta.dirname, "../..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const [PREVIOUS_VERSION, PREVIOUS_COMMIT] = readFileSync(join(ROOT, "packaging/previous-release"), "utf8").trim().split(/\s+/) as [string, string];
const ARCH = execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).trim();
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
/** What the packages must declare: the Node major that built them (20 from 20.9 on, any other from .0), never the next. */
const NODE_DEPENDS = `nodejs (>= ${NODE_MAJOR === 20 ? "20.9" : `${NODE_MAJOR}.0`}), nodejs (<< ${NODE_MAJOR + 1})`;
const isRoot = process.getuid?.() === 0;

const work = mkdtempSync(join(tmpdir(), "lockerd-deb-test-"));
let current = "";
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the lockerd package", { timeout: 600_000 }, () => {
  beforeAll(() => {
    current = buildPackage({ out: join(work, "out") });
  }, 600_000);

  it("is named lockerd_<version>_<arch>.deb and declares what it needs", () => {
    expect(current.endsWith(`/lockerd_${VERSION}_${ARCH}.deb`)).toBe(true);
    const field = (f: string) => execFileSync("dpkg-deb", ["-f", current, f], { encoding: "utf8" }).trim();
    expect(field("Package")).toBe("lockerd");
    expect(field("Version")).toBe(VERSION);
    expect(field("Architecture")).toBe(ARCH);
    // the native modules' ABI is this Node major's (20.9 is the oldest 20 the code runs on)
    expect(field("Depends")).toContain(NODE_DEPENDS);
    expect(field("Depends")).toContain("adduser");
    const files = execFileSync("dpkg-deb", ["-c", current], { encoding: "utf8", maxBuffer: 64 << 20 });
    for (const f of [
      "./usr/bin/lockerd",
      "./usr/bin/lockerctl",
      "./usr/bin/lockerd-outputs-off",
      "./lib/systemd/system/lockerd.service",
      "./lib/udev/rules.d/70-lockerd.rules",
      "./etc/lockerd/lockerd.json",
      "./usr/lib/lockerd/dist/src/main.js",
      "./usr/lib/lockerd/node_modules/better-sqlite3/build/Release/better_sqlite3.node",
    ]) {
      expect(files).toContain(f);
    }
    expect(execFileSync("dpkg-deb", ["-I", current, "conffiles"], { encoding: "utf8" }).trim()).toBe("/etc/lockerd/lockerd.json");
  });

  it("is lintian clean: every tag it keeps is explained in packaging/lockerd/lintian-overrides", () => {
    expect(lintian(current)).toEqual([]);
  });

  it("ships a unit that systemd-analyze verifies and rates at exposure 2.0 or lower", () => {
    const tree = join(work, "extracted");
    execFileSync("dpkg-deb", ["-x", current, tree]);
    const unitPath = join(tree, "lib/systemd/system/lockerd.service");
    const text = readFileSync(unitPath, "utf8");
    expect(text).not.toContain("/opt/lockerd");
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node .* \/usr\/lib\/lockerd\/dist\/src\/main\.js /m);
    const scratch = unitScratch("lockerd.service", text);
    try {
      expect(scratch.verify("lockerd.service")).toEqual({ output: "", status: 0 });
    } finally {
      scratch.remove();
    }
    expect(exposure(unitPath, "lockerd.service")).toBeLessThanOrEqual(2.0);
  });

  describe.runIf(isRoot)("in a scratch Debian 12 root (needs root for chroot)", () => {
    let root = "";
    let previous = "";
    beforeAll(() => {
      previous = buildPackage({ out: join(work, "previous"), ref: PREVIOUS_COMMIT });
      root = rootWithNode(join(work, "root"), [previous, current]);
    }, 600_000);

    it("installs the previous release, then upgrades to this one keeping the database and the local configuration", async () => {
      expect(previous.endsWith(`/lockerd_${PREVIOUS_VERSION}_${ARCH}.deb`)).toBe(true);
      chroot(root, ["dpkg", "-i", `/tmp/${previous.split("/").pop()}`]);
      // postinst: the user, its groups, the data directory for it alone, the configuration for root and it.
      expect(chroot(root, ["id", "-nG", "lockerd"]).trim().split(/\s+/).sort()).toEqual(["dialout", "gpio", "lockerd"]);
      expect(chroot(root, ["stat", "-c", "%a %U:%G", "/var/lib/lockerd", "/etc/lockerd/lockerd.json"]).trim().split("\n")).toEqual([
        "700 lockerd:lockerd",
        "640 root:lockerd",
      ]);
      // The previous release runs, makes its database and takes a parcel.
      const old = await startInRoot(root);
      const assigned = await fetch(`${old.url}/lockers/assign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ size: "M", parcel: "PKG-UPGRADE" }),
      });
      expect(assigned.status).toBe(201);
      const { parcelId } = (await assigned.json()) as { parcelId: string };
      await old.stop();
      const versionBefore = schemaVersion(root);

      // A local edit of the configuration, then the upgrade.
      const cfgPath = join(root, "etc/lockerd/lockerd.json");
      const edited = readFileSync(cfgPath, "utf8").replace('"bank-unnamed"', '"bank-upgrade-test"');
      writeFileSync(cfgPath, edited);
      chroot(root, ["dpkg", "-i", `/tmp/${current.split("/").pop()}`]);
      expect(chroot(root, ["dpkg-query", "-W", "-f=${Version}", "lockerd"])).toBe(VERSION);
      expect(readFileSync(cfgPath, "utf8")).toBe(edited);

      const now = await startInRoot(root);
      const parcel = await fetch(`${now.url}/packages/${parcelId}`);
      expect(parcel.status).toBe(200);
      expect(((await parcel.json()) as { status: string }).status).toBe("ASSIGNED");
      await now.stop();
      expect(versionBefore).toBeLessThanOrEqual(MIGRATIONS.length);
      expect(schemaVersion(root)).toBe(MIGRATIONS.length);
    });

    it("keeps the configuration and the data on remove, and deletes them on purge", () => {
      chroot(root, ["dpkg", "-r", "lockerd"]);
      expect(existsSync(join(root, "usr/bin/lockerctl"))).toBe(false);
      expect(existsSync(join(root, "var/lib/lockerd/lockerd.db"))).toBe(true);
      expect(existsSync(join(root, "etc/lockerd/lockerd.json"))).toBe(true);
      chroot(root, ["dpkg", "-P", "lockerd"]);
      expect(existsSync(join(root, "var/lib/lockerd"))).toBe(false);
      expect(existsSync(join(root, "etc/lockerd"))).toBe(false);
    });
  });
});

describe("the lockerd-central package", { timeout: 600_000 }, () => {
  let central = "";
  beforeAll(() => {
    central = buildCentralPackage({ out: join(work, "out") });
  }, 600_000);

  it("is named lockerd-central_<version>_<arch>.deb, holds the service without the bank's hardware modules", () => {
    expect(central.endsWith(`/lockerd-central_${VERSION}_${ARCH}.deb`)).toBe(true);
    const field = (f: string) => execFileSync("dpkg-deb", ["-f", central, f], { encoding: "utf8" }).trim();
    expect(field("Package")).toBe("lockerd-central");
    expect(field("Version")).toBe(VERSION);
    expect(field("Architecture")).toBe(ARCH);
    // the native modules' ABI is this Node major's (20.9 is the oldest 20 the code runs on)
    expect(field("Depends")).toContain(NODE_DEPENDS);
    expect(field("Depends")).toContain("adduser");
    const files = execFileSync("dpkg-deb", ["-c", central], { encoding: "utf8", maxBuffer: 64 << 20 });
    for (const f of [
      "./usr/bin/lockerd-central",
      "./lib/systemd/system/lockerd-central.service",
      "./etc/lockerd-central/central.json",
      "./usr/lib/lockerd-central/dist/src/central/service/main.js",
      "./usr/lib/lockerd-central/templates/notifier/",
      "./usr/lib/lockerd-central/node_modules/pg/",
      "./usr/share/doc/lockerd-central/changelog.gz",
    ]) {
      expect(files).toContain(f);
    }
    for (const bankOnly of ["better-sqlite3", "node-hid", "serialport", "onoff"]) expect(files).not.toContain(`/node_modules/${bankOnly}/`);
    expect(execFileSync("dpkg-deb", ["-I", central, "conffiles"], { encoding: "utf8" }).trim()).toBe("/etc/lockerd-central/central.json");
  });

  it("is lintian clean: every tag it keeps is explained in packaging/lockerd-central/lintian-overrides", () => {
    expect(lintian(central)).toEqual([]);
  });

  it("ships a unit that runs the installed program with its conffile, verified by systemd-analyze, exposure 2.0 or lower", () => {
    const tree = join(work, "extracted-central");
    execFileSync("dpkg-deb", ["-x", central, tree]);
    const unitPath = join(tree, "lib/systemd/system/lockerd-central.service");
    const text = readFileSync(unitPath, "utf8");
    expect(text).not.toContain("/opt/lockerd");
    expect(text).not.toMatch(/\/etc\/lockerd(?!-central)/);
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node \/usr\/lib\/lockerd-central\/dist\/src\/central\/service\/main\.js serve --config \/etc\/lockerd-central\/central\.json$/m);
    expect(text).toMatch(/^ReadOnlyPaths=\/etc\/lockerd-central$/m);
    const scratch = unitScratch("lockerd-central.service", text);
    try {
      expect(scratch.verify("lockerd-central.service")).toEqual({ output: "", status: 0 });
    } finally {
      scratch.remove();
    }
    expect(exposure(unitPath, "lockerd-central.service")).toBeLessThanOrEqual(2.0);
  });

  describe.runIf(isRoot)("in a scratch Debian 12 root (needs root for chroot)", () => {
    let root = "";
    beforeAll(() => {
      root = rootWithNode(join(work, "root-central"), [central]);
    }, 600_000);

    it("installs with its user, migrates and serves the database its conffile names, as that user", async () => {
      chroot(root, ["dpkg", "-i", `/tmp/${central.split("/").pop()}`]);
      expect(chroot(root, ["id", "-nG", "lockerd-central"]).trim()).toBe("lockerd-central");
      expect(chroot(root, ["stat", "-c", "%a %U:%G", "/etc/lockerd-central", "/etc/lockerd-central/central.json"]).trim().split("\n")).toEqual([
        "750 root:lockerd-central",
        "640 root:lockerd-central",
      ]);
      expect(chroot(root, ["lockerd-central", "--version"])).toBe(`lockerd-central ${VERSION}\n`);

      // The operator names the database in the conffile (the chroot shares this machine's loopback).
      const db = await createTestDatabase();
      try {
        const cfgPath = join(root, "etc/lockerd-central/central.json");
        const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as { database: Record<string, unknown>; http: Record<string, unknown> };
        cfg.database.url = db.url;
        cfg.http.port = 0;
        writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
        const asService = ["--userspec=lockerd-central:lockerd-central", root, "/usr/bin/lockerd-central"];
        const migrated = execFileSync("/usr/sbin/chroot", [...asService, "migrate"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } });
        expect(migrated).toMatch(/^central schema migrated from version \d+ to \d+$/m);

        const svc = await startInRoot(root, { argv: [...asService, "serve"], ready: "lockerd-central running" });
        try {
          const health = await fetch(`${svc.url}/healthz`);
          expect(health.status).toBe(200);
          expect(await health.json()).toMatchObject({ status: "ok", database: "ok", version: VERSION });
        } finally {
          await svc.stop();
        }
      } finally {
        await db.drop();
      }
    });

    it("keeps the configuration on remove, and deletes it on purge", () => {
      chroot(root, ["dpkg", "-r", "lockerd-central"]);
      expect(existsSync(join(root, "usr/bin/lockerd-central"))).toBe(false);
      expect(existsSync(join(root, "usr/lib/lockerd-central"))).toBe(false);
      expect(existsSync(join(root, "etc/lockerd-central/central.json"))).toBe(true);
      chroot(root, ["dpkg", "-P", "lockerd-central"]);
      expect(existsSync(join(root, "etc/lockerd-central"))).toBe(false);
    });
  });
});

/** A scratch Debian 12 root at dir with the stand-in nodejs installed and the given packages in /tmp. */
function rootWithNode(dir: string, debs: string[]): string {
  mkdirSync(dir);
  execFileSync("tar", ["-x", "-C", dir, "-f", debianRoot()]);
  const nodeDeb = standInNode(join(work, `node-for-${dir.split("/").pop()}`));
  for (const deb of [nodeDeb, ...debs]) cpSync(deb, join(dir, "tmp", deb.split("/").pop()!));
  chroot(dir, ["dpkg", "-i", `/tmp/${nodeDeb.split("/").pop()}`]);
  return dir;
}

function chroot(root: string, args: string[]): string {
  return execFileSync("chroot", [root, ...args], {
    encoding: "utf8",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", DEBIAN_FRONTEND: "noninteractive", LANG: "C.UTF-8" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * A minimal Debian 12 root with what the package depends on besides Node.js, as a tarball kept
 * for a day in the temp folder (mmdebstrap takes about half a minute).
 */
function debianRoot(): string {
  const cache = join(tmpdir(), "lockerd-test-cache");
  mkdirSync(cache, { recursive: true });
  const day = new Date().toISOString().slice(0, 10);
  const tar = join(cache, `bookworm-${ARCH}-${day}.tar`);
  if (!existsSync(tar)) {
    for (const old of readdirSync(cache)) if (old.startsWith("bookworm-")) rmSync(join(cache, old), { force: true });
    execFileSync(
      "mmdebstrap",
      ["--quiet", "--format=tar", "--variant=apt", "--include=adduser,libusb-1.0-0,init-system-helpers", "bookworm", `${tar}.partial`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    execFileSync("mv", [`${tar}.partial`, tar]);
  }
  return tar;
}

/**
 * A `nodejs` package holding this machine's node binary: what an operator gets from a Node.js
 * 20+ apt repository (Debian 12's own nodejs is 18, which the package refuses).
 */
function standInNode(dir: string): string {
  const version = process.versions.node;
  mkdirSync(join(dir, "root/usr/bin"), { recursive: true });
  mkdirSync(join(dir, "root/DEBIAN"));
  cpSync(process.execPath, join(dir, "root/usr/bin/node"));
  writeFileSync(
    join(dir, "root/DEBIAN/control"),
    `Package: nodejs\nVersion: ${version}-1\nArchitecture: ${ARCH}\nMaintainer: lockerd tests <tests@example.org>\nDepends: libc6, libstdc++6\nDescription: Node.js ${version} (stand-in for the tests)\n`,
  );
  const deb = join(dir, `nodejs_${version}-1_${ARCH}.deb`);
  execFileSync("dpkg-deb", ["--root-owner-group", "-Znone", "--build", join(dir, "root"), deb], { stdio: "ignore" });
  return deb;
}

/**
 * An installed program run inside the root until it logs its URL and the ready message: by
 * default the daemon as the lockerd user, on a port chosen at start.
 */
async function startInRoot(
  root: string,
  opts: { argv?: string[]; ready?: string } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const ready = opts.ready ?? "API listening";
  const proc: ChildProcess = spawn("/usr/sbin/chroot", opts.argv ?? ["--userspec=lockerd:lockerd", root, "/usr/bin/lockerd"], {
    env: { PATH: "/usr/bin:/bin", LOCKERD_HTTP: "127.0.0.1:0", HOME: "/var/lib/lockerd" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${ready}: not within 60 s:\n${out}`)), 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m && out.includes(ready)) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`exited (${code}):\n${out}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((ok) => {
        proc.removeAllListeners("exit");
        proc.once("exit", () => ok());
        proc.kill("SIGTERM");
      }),
  };
}

function schemaVersion(root: string): number {
  const db = new Database(join(root, "var/lib/lockerd/lockerd.db"), { readonly: true });
  try {
    return db.pragma("user_version", { simple: true }) as number;
  } finally {
    db.close();
  }
}
