/** The bank page: static files served by the daemon itself, nothing fetched from outside. */
import { z } from "zod";
import { PAGE_DIR } from "../../system/paths.js";
import { defineRoute, type Route } from "../registry.js";

const ASSETS = { "app.js": "text/javascript", "style.css": "text/css" } as const;
const assetParam = z.object({ file: z.enum(Object.keys(ASSETS) as [keyof typeof ASSETS, ...(keyof typeof ASSETS)[]]) }).strict();

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
    defineRoute({
      method: "get",
      path: "/page/:file",
      tag: "page",
      summary: "The bank page's script and style sheet",
      access: "open",
      params: assetParam,
      responses: { 200: { description: "the file", contentType: "text/javascript" } },
      handler: ({ params }, _req, res) => {
        res.type(ASSETS[params.file]).sendFile(params.file, { root: PAGE_DIR });
      },
    }),
  ];
}
