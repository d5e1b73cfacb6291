/** A small parser for the Prometheus text exposition format (0.0.4), strict enough to catch a malformed scrape. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string) => {
    for (const suffix of ["_bucket", "_sum", "_count", ""]) {
      const base = suffix && sample.endsWith(suffix) ? sample.slice(0, -suffix.length) : sample;
      const f = families.get(base);
      if (f && (suffix === "" || f.type === "histogram" || f.type === "summary")) return f;
    }
    throw new Error(`sample ${sample} has no # TYPE line before it`);
  };
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      const [, kind, name, ...rest] = line.split(" ");
      if (!name || !NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      const f = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (kind === "HELP") f.help = rest.join(" ");
      else {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest[0] ?? "")) throw new Error(`bad type, ${where}`);
        f.type = rest[0]!;
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample, ${where}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < m[3].length) {
        const start = LABEL.lastIndex;
        const l = LABEL.exec(m[3]);
        if (!l || LABEL.lastIndex === start) throw new Error(`bad labels, ${where}`);
        labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
      }
    }
    const raw = m[4]!;
    // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client writes "Nan").
    const special = raw.toLowerCase();
    const value = special === "+inf" || special === "inf" ? Infinity : special === "-inf" ? -Infinity : special === "nan" ? NaN : Number(raw);
    if (Number.isNaN(value) && special !== "nan") throw new Error(`bad value, ${where}`);
    familyOf(m[1]!).samples.push({ name: m[1]!, labels, value });
  }
  return families;
}

/** The value of one sample, matching all the given labels; undefined when there is none. */
export function valueOf(families: Map<string, Family>, sample: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
