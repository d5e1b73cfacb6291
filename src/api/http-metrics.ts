/**
 * The metrics both programs share, lockerd and lockerd-central: request timing by route template
 * and the build info. Apart from the bank's own metrics (metrics.ts) because lockerd-central
 * imports them and must not import the bank's store (better-sqlite3 is not in its package).
 */
import type { RequestHandler } from "express";
import { Gauge, Histogram, type Registry } from "prom-client";

/** Methods that keep their name as a label when no route matched; any other is "OTHER". */
const PLAIN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/**
 * A request's labels, bounded whatever callers send (issue 24, item 14): a matched route's
 * template and its own method, or the one label "unmatched" with a method from a fixed list.
 * Statuses are the daemon's own answers, a short list.
 */
export function requestLabels(method: string, route: unknown, status: number): { method: string; route: string; status: string } {
  if (typeof route === "string") return { method, route, status: String(status) };
  return { method: PLAIN_METHODS.has(method) ? method : "OTHER", route: "unmatched", status: String(status) };
}

/**
 * Times every request by method, route template (res.locals.route, set by the route registry;
 * never the raw path) and status, into a histogram of this name, labelled by requestLabels.
 * Shared with lockerd-central.
 */
export function httpTiming(registry: Registry, name: string): RequestHandler {
  const duration = new Histogram({
    name,
    help: "API request latency by method, route template and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.on("finish", () => {
      // Streams last as long as the client stays; they are not request latency.
      if (res.locals.streaming) return;
      end(requestLabels(req.method, res.locals.route, res.statusCode));
    });
    next();
  };
}

/**
 * `<name>{version, node} 1`: the software version this process runs (package.json) and its
 * Node.js, so a dashboard can show which banks and instances run which release. Shared with
 * lockerd-central.
 */
export function buildInfo(registry: Registry, name: string, version: string): void {
  const info = new Gauge({ name, help: "The running software's version and Node.js version (always 1)", labelNames: ["version", "node"], registers: [registry] });
  info.set({ version, node: process.versions.node }, 1);
}
