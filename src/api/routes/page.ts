/** The bank page: static files served by the daemon itself, nothing fetched from outside. */
import { PAGE_DIR } from "../../system/paths.js";
import { defineRoute, type Route } from "../registry.js";

/** Each file its own route, so the OpenAPI document gives each its real content type. */
const ASSETS = [
  { path: "/page/app.js", file: "app.js", type: "text/javascript", summary: "The bank page's script" },
  { path: "/page/common.js", file: "common.js", type: "text/javascript", summary: "The bank page's shared script module (state, API client)" },
  { path: "/page/style.css", file: "style.css", type: "text/css", summary: "The bank page's style sheet" },
  { path: "/favicon.svg", file: "favicon.svg", type: "image/svg+xml", summary: "The bank page's icon" },
] as const;

export function pageRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/",
      tag: "page",
      summary: "The bank page (HTML); it asks for a token when the API needs one",
      access: "open",
      responses: { 200: { description: "the page", contentType: "text/html" } },
      handler: (_input, _req, res) => {
        res.sendFile("index.html", { root: PAGE_DIR });
      },
    }),
    ...ASSETS.map((a) =>
      defineRoute({
        method: "get",
        path: a.path,
        tag: "page",
        summary: a.summary,
        access: "open",
        responses: { 200: { description: "the file", contentType: a.type } },
        handler: (_input, _req, res) => {
          res.type(a.type).sendFile(a.file, { root: PAGE_DIR });
        },
      }),
    ),
  ];
}
