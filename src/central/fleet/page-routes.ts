/** The fleet page: static files served by lockerd-central itself, nothing fetched from outside. */
import { join } from "node:path";
import { z } from "zod";
import { defineRoute, type Route } from "../../api/registry.js";
import { PACKAGE_ROOT } from "../../system/paths.js";
import type { CentralRole } from "../service/auth.js";

export const FLEET_PAGE_DIR = join(PACKAGE_ROOT, "src", "central", "fleet", "page");

/**
 * The page may hold an operator token (it clears alarms; the same token may create commands), so
 * it runs only its own script, talks only to its own origin and cannot be framed (a framed page
 * could be clicked through by another site).
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSETS = { "app.js": "text/javascript", "style.css": "text/css" } as const;
const assetParam = z.object({ file: z.enum(Object.keys(ASSETS) as [keyof typeof ASSETS, ...(keyof typeof ASSETS)[]]) }).strict();

export function fleetPageRoutes(): Route<CentralRole>[] {
  return [
    defineRoute({
      method: "get",
      path: "/fleet",
      tag: "page",
      summary: "The fleet page (HTML); it asks for a token (viewer or above; operator and admin may clear alarms) and keeps itself up to date",
      access: "open",
      responses: { 200: { description: "the page", contentType: "text/html" } },
      handler: (_input, _req, res) => {
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("Content-Security-Policy", PAGE_CSP);
        res.setHeader("Referrer-Policy", "no-referrer");
        res.sendFile("index.html", { root: FLEET_PAGE_DIR });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/page/:file",
      tag: "page",
      summary: "The fleet page's script and style sheet",
      access: "open",
      params: assetParam,
      responses: { 200: { description: "the file", contentType: "text/javascript" } },
      handler: ({ params }, _req, res) => {
        res.type(ASSETS[params.file]).sendFile(params.file, { root: FLEET_PAGE_DIR });
      },
    }),
  ];
}
