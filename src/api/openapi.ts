/**
 * The OpenAPI 3.1 document, generated from the route registry: the same zod schemas that
 * validate requests describe them here (OpenAPI 3.1 schemas are JSON Schema 2020-12).
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../basics/errors.js";
import { HTTP_STATUS } from "./problem.js";
import { rolesOf, type Route } from "./registry.js";
import { problemView } from "./views.js";

type Json = Record<string, unknown>;

/** Problems every route can answer with, by what the route has. */
function commonErrors(route: Route): ErrorCode[] {
  const codes: ErrorCode[] = ["VALIDATION_FAILED"];
  if (route.access !== "open") codes.push("UNAUTHORIZED", "FORBIDDEN");
  if (route.body) codes.push("PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE");
  return codes;
}

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

export function openApiDocument(routes: readonly Route[], info: { title: string; version: string; description?: string }): Json {
  const schemas: Record<string, Json> = {};
  const toSchema = (schema: z.ZodType, io: "input" | "output"): Json => {
    const js = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
    const { $schema: _dialect, $defs, ...rest } = js;
    const rewrite = (x: unknown): Json => JSON.parse(JSON.stringify(x).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) schemas[id] = rewrite(def);
    return rewrite(rest);
  };
  const problemRef = toSchema(problemView, "output");

  const parameters = (schema: z.ZodType | null, where: "path" | "query" | "header"): Json[] => {
    if (!schema) return [];
    const js = toSchema(schema, "input");
    const props = (js.properties ?? {}) as Record<string, Json>;
    const required = new Set((js.required ?? []) as string[]);
    return Object.entries(props).map(([name, s]) => {
      const { description, ...rest } = s;
      return {
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      };
    });
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      const type = r.contentType ?? "application/json";
      responses[status] = { description: r.description, ...(r.schema || type !== "application/json" ? { content: { [type]: r.schema ? { schema: toSchema(r.schema, "output") } : {} } } : {}) };
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of [...commonErrors(route), ...route.errors]) {
      const s = HTTP_STATUS[code];
      const list = byStatus.get(s) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(s, list);
    }
    for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: codes.map((c) => `${c}: ${ERROR_CODES[c]}`).join("; "),
        content: { "application/problem+json": { schema: problemRef } },
      };
    }
    responses.default = { description: "INTERNAL: internal error", content: { "application/problem+json": { schema: problemRef } } };

    const roles = rolesOf(route);
    const op: Json = {
      operationId: `${route.method}${route.path.replace(/[/:]+([A-Za-z0-9_]?)/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: roles ? [{ bearer: [] }] : [],
      "x-roles": roles ?? "open",
      parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query"), ...parameters(route.headers, "header")],
      ...(route.body ? { requestBody: { required: !route.body.safeParse(undefined).success && !route.body.safeParse({}).success, content: { "application/json": { schema: toSchema(route.body, "input") } } } } : {}),
      responses,
    };
    const p = openApiPath(route.path);
    paths[p] ??= {};
    paths[p][route.method] = op;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: info.title,
      version: info.version,
      description:
        (info.description ? info.description + "\n\n" : "") +
        "Bearer tokens carry one role: courier, kiosk, monitor or technician (who may do everything). " +
        "`x-roles` on each operation lists the roles allowed. Errors are application/problem+json (RFC 9457) with a stable `code`.",
    },
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a token created with `npm run new-token`" } },
    },
  };
}
