/** Message templates: shipped ones load; a missing translation falls back to English; mistakes stop the start with a list. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATES_DIR, formatDeadline, Templates, type MessageVars } from "../../../src/central/notifier/templates.js";

const vars: MessageVars = {
  code: "01234567",
  token: "tok",
  qrLink: "https://q/tok",
  bank: "Alexanderplatz 1",
  address: "",
  deadline: "Wednesday",
  trackingRef: "TR-1",
  language: "de",
};

describe("message templates", () => {
  it("ship English and German for every message, with the code in the text", () => {
    const t = Templates.load();
    for (const kind of ["stored", "reminder", "expired"] as const) {
      for (const lang of ["en", "de"]) {
        const r = t.render(kind, "email", lang, vars)!;
        expect(r.language).toBe(lang);
        expect(r.subject).toContain("TR-1");
        if (kind !== "expired") expect(r.text).toContain("01234567");
      }
    }
    expect(t.render("stored", "sms", "de", vars)!.text).toBe("Paket TR-1 liegt bereit: Alexanderplatz 1. Code 01234567. Abholen bis Wednesday.");
  });

  it("confirm a stored return in English and German; a templates directory made before returns uses the packaged English", () => {
    const t = Templates.load();
    for (const lang of ["en", "de"]) {
      const r = t.render("return_stored", "email", lang, vars)!;
      expect(r.language).toBe(lang);
      expect(r.subject).toContain("TR-1");
      expect(r.text).toContain("Alexanderplatz 1");
    }
    const dir = mkdtempSync(join(tmpdir(), "templates-"));
    try {
      cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
      for (const lang of ["en", "de"]) for (const ch of ["email", "sms"]) rmSync(join(dir, lang, `return_stored.${ch}.txt`));
      const old = Templates.load(dir);
      expect(old.render("return_stored", "sms", "de", vars)).toMatchObject({ language: "en", text: expect.stringContaining("TR-1") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fall back from a regional language to its base, then to English", () => {
    const dir = mkdtempSync(join(tmpdir(), "templates-"));
    try {
      cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
      rmSync(join(dir, "de", "reminder.sms.txt"));
      const t = Templates.load(dir);
      expect(t.render("stored", "sms", "de-AT", vars)!.language).toBe("de");
      expect(t.render("reminder", "sms", "de", vars)!.language).toBe("en");
      expect(t.render("stored", "email", "fr", vars)!.language).toBe("en");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuse an unknown placeholder, an e-mail without a subject and a missing English file, all listed", () => {
    const dir = mkdtempSync(join(tmpdir(), "templates-"));
    try {
      cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
      writeFileSync(join(dir, "de", "stored.sms.txt"), "Code {{pin}}");
      writeFileSync(join(dir, "de", "stored.email.txt"), "no subject here");
      rmSync(join(dir, "en", "expired.sms.txt"));
      let message = "";
      try {
        Templates.load(dir);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/de\/stored\.sms\.txt: unknown placeholder \{\{pin\}\}/);
      expect(message).toMatch(/de\/stored\.email\.txt: an e-mail template starts with "Subject: \.\.\."/);
      expect(message).toMatch(/en\/expired\.sms\.txt: missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("show a deadline in the bank's time zone and the reader's language", () => {
    const at = new Date(Date.UTC(2026, 2, 4, 8, 0));
    expect(formatDeadline(at, "de", "Europe/Berlin")).toBe("Mittwoch, 4. März 2026 um 09:00 (Europe/Berlin)");
    expect(formatDeadline(at, "en", "America/New_York")).toBe("Wednesday, March 4, 2026 at 3:00 AM (America/New_York)");
  });
});
