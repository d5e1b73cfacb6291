/**
 * /metrics stays bounded whatever unauthenticated callers send (issue 24, item 14): requests
 * are labelled by the route they matched, or one fixed "unmatched" label, and by a method
 * from a fixed list; made-up methods and paths never become series.
 */
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, startBank, TOKENS, type TestBank } from "./support.js";
import { parsePrometheus } from "./prom-text.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank();
});
afterAll(() => bank.stop());

/** One raw HTTP/1.1 request (any method token, any path), answered or not. */
function raw(method: string, path: string): Promise<string> {
  const url = new URL(bank.url);
  return new Promise((resolve) => {
    const s = connect(Number(url.port), url.hostname);
    let got = "";
    s.on("data", (d) => (got += d.toString("latin1")));
    s.on("error", () => resolve(got));
    s.on("close", () => resolve(got));
    s.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
}

const SERIES = "lockerd_http_request_duration_seconds_count";

async function series(): Promise<{ method: string; route: string; status: string }[]> {
  const res = await call(bank.url, "/metrics", { token: TOKENS.monitor });
  const fam = parsePrometheus(res.text).get("lockerd_http_request_duration_seconds");
  return (fam?.samples ?? []).filter((s) => s.name === SERIES).map((s) => s.labels as { method: string; route: string; status: string });
}

it("1,020 requests with made-up methods and paths add only a handful of series", async () => {
  const before = (await series()).length;
  const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND", "MKCOL", "SEARCH", "PURGE", "LINK", "UNLOCK", "REPORT", "M-SEARCH", "NOTIFY", "BIND", "QUERY", "FOO", "BREW"];
  const paths = (i: number) => [`/nope-${i}`, `/lockers/X${i}/open`, `/page/x${i}.js`, `/lockers/assign?i=${i}`, `/pickup/${i}${i}`, `/%ZZ${i}`, `/events/${i}`][i % 7]!;
  for (let i = 0; i < 1020; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => raw(methods[(i + k) % methods.length]!, paths(i + k))));
  const after = await series();
  const grown = after.length - before;
  expect(grown).toBeLessThan(30);
  const routes = new Set(after.map((s) => s.route));
  for (const r of routes) expect(r === "unmatched" || r.startsWith("/"), r).toBe(true);
  expect([...routes].some((r) => /\d{2,}/.test(r))).toBe(false);
  const allowed = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"]);
  for (const s of after) expect(allowed.has(s.method), s.method).toBe(true);
});

/** `promtool check metrics` when Prometheus's tool is installed (.ci/run installs it); the same naming rules checked here either way. */
it("a scrape passes promtool's naming rules: no _total on a gauge, counters end in _total", async () => {
  const text = (await call(bank.url, "/metrics", { token: TOKENS.monitor })).text;
  for (const f of parsePrometheus(text).values()) {
    if (f.type !== "counter") expect(f.name.endsWith("_total"), `${f.name} is a ${f.type}`).toBe(false);
    else expect(f.name.endsWith("_total"), `counter ${f.name}`).toBe(true);
  }
  const promtool = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if (promtool.error) return; // not installed here: the rules above stand in for it
  expect(`${promtool.stdout}${promtool.stderr}`.trim()).toBe("");
  expect(promtool.status).toBe(0);
});
