/**
 * scripts/install.sh against a scratch root (--root): what it writes, that a second run changes
 * nothing (content, mode and mtime of every file), that an existing configuration is kept, and
 * the uninstall paths. Steps that need the running system (apt, systemctl, udevadm, npm, chown)
 * are printed instead of done in --root mode.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";

const REPO = resolve(import.meta.dirname, "../..");
const SCRIPT = join(REPO, "scripts", "install.sh");
const BOOKWORM = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

function install(root: string, ...args: string[]) {
  const r = spawnSync("bash", [SCRIPT, "--root", root, "--no-doctor", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Every entry under dir: type, mode, mtime, symlink target and content hash. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = join(dir, rel);
    const st = lstatSync(abs);
    let what = `${st.mode.toString(8)} ${st.mtimeMs}`;
    if (st.isSymbolicLink()) what += ` -> ${readlinkSync(abs)}`;
    else if (st.isFile()) what += ` ${createHash("sha256").update(readFileSync(abs)).digest("hex")}`;
    out.set(rel || ".", what);
    if (st.isDirectory()) for (const e of readdirSync(abs)) walk(join(rel, e));
  };
  walk("");
  return out;
}

const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

describe("scripts/install.sh", { timeout: 120_000 }, () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "lockerd-install-"));
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc/os-release"), BOOKWORM);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("installs the user, directories, application, unit, udev rules, commands and a starter configuration", () => {
    const r = install(root, "--bank-id", "hall-7");
    expect(r.code, r.out).toBe(0);

    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toMatch(/^lockerd:x:\d+:\d+:[^:]*:\/var\/lib\/lockerd:\/usr\/sbin\/nologin$/m);
    const groups = readFileSync(join(root, "etc/group"), "utf8");
    expect(groups).toMatch(/^lockerd:x:\d+:$/m);
    expect(groups).toMatch(/^gpio:x:\d+:(.*,)?lockerd(,.*)?$/m);
    expect(groups).toMatch(/^dialout:x:\d+:(.*,)?lockerd(,.*)?$/m);

    expect(mode(join(root, "etc/lockerd"))).toBe("750");
    expect(mode(join(root, "var/lib/lockerd"))).toBe("750");

    const unit = readFileSync(join(root, "etc/systemd/system/lockerd.service"), "utf8");
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^ExecStart=\S*node (--[\w-]+(=\S+)? )*\/opt\/lockerd\/dist\/src\/main\.js --config \/etc\/lockerd\/lockerd\.json$/m);
    expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/lockerd.service"))).toBe("/etc/systemd/system/lockerd.service");
    expect(readFileSync(join(root, "etc/udev/rules.d/70-lockerd.rules"), "utf8")).toBe(readFileSync(join(REPO, "hardware/udev/70-lockerd.rules"), "utf8"));

    for (const cmd of ["lockerctl", "lockerd-outputs-off"]) {
      const p = join(root, "usr/local/bin", cmd);
      expect(mode(p)).toBe("755");
      expect(readFileSync(p, "utf8")).toContain("/etc/lockerd/lockerd.json");
    }
    expect(readFileSync(join(root, "usr/local/bin/lockerd-outputs-off"), "utf8")).toContain("/opt/lockerd/dist/src/tools/outputs-off.js");

    // The application: sources and hardware files, never tests, node_modules or local data.
    for (const f of ["package.json", "package-lock.json", "src/main.ts", "src/system/notify.ts", "hardware/layouts/demo-24.json", "systemd/lockerd.service"]) {
      expect(readFileSync(join(root, "opt/lockerd", f), "utf8")).toBe(readFileSync(join(REPO, f), "utf8"));
    }
    for (const absent of ["test", "node_modules", "var"]) expect(existsSync(join(root, "opt/lockerd", absent))).toBe(false);

    // The starter configuration is one the daemon accepts.
    const cfgPath = join(root, "etc/lockerd/lockerd.json");
    expect(mode(cfgPath)).toBe("640");
    const cfg = configSchema.parse(JSON.parse(readFileSync(cfgPath, "utf8")));
    expect(cfg.bank.id).toBe("hall-7");
    expect(cfg.dataDir).toBe("/var/lib/lockerd");
    expect(cfg.bank.layout).toBe("/opt/lockerd/hardware/layouts/demo-24.json");
    expect(existsSync(join(root, cfg.bank.layout!))).toBe(true);

    // What it could not do in a scratch tree, it says.
    expect(r.out).toContain("skipped (--root): apt-get install");
    expect(r.out).toContain("skipped (--root): systemctl daemon-reload");
  });

  it("changes nothing when run a second time", () => {
    expect(install(root).code).toBe(0);
    const before = snapshot(root);
    const again = install(root);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain("done: nothing to change");
    expect(again.out).not.toContain("wrote ");
    expect(snapshot(root)).toEqual(before);
  });

  it("never overwrites an existing configuration, and repairs an application file that was changed", () => {
    expect(install(root).code).toBe(0);
    const cfgPath = join(root, "etc/lockerd/lockerd.json");
    const mine = JSON.stringify({ bank: { id: "mine" }, dataDir: "/var/lib/lockerd" });
    writeFileSync(cfgPath, mine);
    writeFileSync(join(root, "opt/lockerd/src/main.ts"), "// tampered\n");
    const r = install(root, "--layout", "demo-24");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("kept the existing configuration");
    expect(readFileSync(cfgPath, "utf8")).toBe(mine);
    expect(readFileSync(join(root, "opt/lockerd/src/main.ts"), "utf8")).toBe(readFileSync(join(REPO, "src/main.ts"), "utf8"));
  });

  it("removes application files an earlier version installed that this version no longer has", () => {
    expect(install(root).code).toBe(0);
    writeFileSync(join(root, "opt/lockerd/src/old-module.js"), "old\n");
    appendFileSync(join(root, "opt/lockerd/.install-manifest"), "src/old-module.js\n");
    const r = install(root);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(root, "opt/lockerd/src/old-module.js"))).toBe(false);
  });

  it("writes the configuration for a layout file given by path, copying the layout to /etc/lockerd", () => {
    const layout = join(root, "..", `${root.split("/").pop()}-layout.json`);
    writeFileSync(layout, readFileSync(join(REPO, "hardware/layouts/demo-24.json")));
    try {
      const r = install(root, "--layout", layout);
      expect(r.code, r.out).toBe(0);
      expect(readFileSync(join(root, "etc/lockerd/layout.json"), "utf8")).toBe(readFileSync(layout, "utf8"));
      const cfg = JSON.parse(readFileSync(join(root, "etc/lockerd/lockerd.json"), "utf8")) as { bank: { layout: string } };
      expect(cfg.bank.layout).toBe("/etc/lockerd/layout.json");
    } finally {
      rmSync(layout, { force: true });
    }
  });

  it("refuses an unknown layout name, listing the known ones", () => {
    const r = install(root, "--layout", "no-such-bank");
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("no layout no-such-bank");
    expect(r.out).toContain("demo-24");
    expect(existsSync(join(root, "etc/lockerd/lockerd.json"))).toBe(false);
  });

  it("refuses a system that is not Debian 12", () => {
    writeFileSync(join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="11"\n');
    const r = install(root);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("needs Debian 12");
    expect(existsSync(join(root, "opt/lockerd"))).toBe(false);

    rmSync(join(root, "etc/os-release"));
    expect(install(root).code).not.toBe(0);
  });

  it("uninstalls, keeping the configuration and the data unless --purge", () => {
    expect(install(root).code).toBe(0);
    writeFileSync(join(root, "var/lib/lockerd/lockerd.db"), "data");

    const u = install(root, "--uninstall");
    expect(u.code, u.out).toBe(0);
    for (const gone of ["opt/lockerd", "etc/systemd/system/lockerd.service", "etc/systemd/system/multi-user.target.wants/lockerd.service", "etc/udev/rules.d/70-lockerd.rules", "usr/local/bin/lockerctl"]) {
      expect(existsSync(join(root, gone)), gone).toBe(false);
    }
    expect(readFileSync(join(root, "var/lib/lockerd/lockerd.db"), "utf8")).toBe("data");
    expect(existsSync(join(root, "etc/lockerd/lockerd.json"))).toBe(true);

    // Reinstalling finds the kept configuration.
    expect(install(root).out).toContain("kept the existing configuration");

    const p = install(root, "--uninstall", "--purge");
    expect(p.code, p.out).toBe(0);
    expect(existsSync(join(root, "var/lib/lockerd"))).toBe(false);
    expect(existsSync(join(root, "etc/lockerd"))).toBe(false);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toMatch(/^lockerd:/m);
    expect(readFileSync(join(root, "etc/group"), "utf8")).not.toMatch(/lockerd/);
  });
});
