/**
 * Message templates, kept as files an operator edits: <dir>/<language>/<kind>.<channel>.txt,
 * {{placeholder}} for values. An e-mail template starts with a "Subject: ..." line and a blank
 * line. English is required for every message; another language may leave any out, and a
 * missing translation falls back to English ("de-AT" tries "de-AT", "de", then "en").
 * Loaded and checked once at start: an unknown placeholder or a missing English file stops it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../system/paths.js";

export const KINDS = ["stored", "reminder", "expired"] as const;
/** Kinds added later: a templates directory without them uses the packaged English ones. */
export const LATER_KINDS = ["return_stored"] as const;
export type MessageKind = (typeof KINDS)[number] | (typeof LATER_KINDS)[number] | "picked_up";
export const CHANNELS = ["email", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

export const PLACEHOLDERS = ["code", "token", "qrLink", "bank", "address", "deadline", "trackingRef", "language"] as const;
export type MessageVars = Record<(typeof PLACEHOLDERS)[number], string>;

export const DEFAULT_TEMPLATES_DIR = join(PACKAGE_ROOT, "templates", "notifier");

export interface Rendered {
  language: string;
  subject: string | null;
  text: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

export function fillPlaceholders(text: string, vars: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => vars[name] ?? "");
}

export class Templates {
  private constructor(private readonly byKey: ReadonlyMap<string, string>) {}

  static load(dir: string = DEFAULT_TEMPLATES_DIR): Templates {
    const problems: string[] = [];
    const byKey = new Map<string, string>();
    if (!existsSync(dir)) throw new Error(`notifier.templatesDir: ${dir} does not exist`);
    for (const lang of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang)) {
        problems.push(`${join(dir, lang)}: not a language tag (e.g. en, de, pt-BR)`);
        continue;
      }
      for (const file of readdirSync(join(dir, lang))) {
        const m = /^([a-z_]+)\.(email|sms)\.txt$/.exec(file);
        if (!m) continue;
        const text = readFileSync(join(dir, lang, file), "utf8");
        for (const [, name] of text.matchAll(PLACEHOLDER)) {
          if (!(PLACEHOLDERS as readonly string[]).includes(name!)) problems.push(`${join(dir, lang, file)}: unknown placeholder {{${name}}} (known: ${PLACEHOLDERS.join(", ")})`);
        }
        if (m[2] === "email" && !/^Subject: .+\r?\n\r?\n/.test(text)) problems.push(`${join(dir, lang, file)}: an e-mail template starts with "Subject: ..." and a blank line`);
        byKey.set(`${lang}/${m[1]}.${m[2]}`, text);
      }
    }
    for (const kind of LATER_KINDS) {
      for (const channel of CHANNELS) {
        const fallback = join(DEFAULT_TEMPLATES_DIR, "en", `${kind}.${channel}.txt`);
        if (!byKey.has(`en/${kind}.${channel}`) && existsSync(fallback)) byKey.set(`en/${kind}.${channel}`, readFileSync(fallback, "utf8"));
      }
    }
    for (const kind of [...KINDS, ...LATER_KINDS]) for (const channel of CHANNELS) if (!byKey.has(`en/${kind}.${channel}`)) problems.push(`${join(dir, "en", `${kind}.${channel}.txt`)}: missing (English is the fallback for every language)`);
    if (problems.length) throw new Error(`message templates:\n  - ${problems.join("\n  - ")}`);
    return new Templates(byKey);
  }

  /** The languages tried for a recipient's language, best first. */
  static fallbacks(language: string): string[] {
    const out: string[] = [];
    const parts = language.split("-");
    for (let i = parts.length; i >= 1; i--) out.push(parts.slice(0, i).join("-"));
    if (!out.includes("en")) out.push("en");
    return out;
  }

  render(kind: MessageKind, channel: Channel, language: string, vars: MessageVars): Rendered | null {
    for (const lang of Templates.fallbacks(language)) {
      const t = this.byKey.get(`${lang}/${kind}.${channel}`);
      if (t === undefined) continue;
      const filled = fillPlaceholders(t, vars);
      if (channel === "email") {
        const m = /^Subject: (.+)\r?\n\r?\n([\s\S]*)$/.exec(filled)!;
        return { language: lang, subject: m[1]!.trim(), text: m[2]! };
      }
      return { language: lang, subject: null, text: filled.trim() };
    }
    return null;
  }
}

/** A deadline as the customer reads it: in the bank's time zone, in their language. */
export function formatDeadline(at: Date, language: string, timeZone: string): string {
  for (const lang of [language, "en"]) {
    try {
      return `${new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short", timeZone }).format(at)} (${timeZone})`;
    } catch {
      // an unknown language tag: try English
    }
  }
  return at.toISOString();
}
