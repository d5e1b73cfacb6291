/**
 * The route registry: each route is declared once — method, path, who may call it, the zod
 * schemas of its path, query, headers and body, and its responses — and that one declaration
 * both mounts and validates the route and describes it in the OpenAPI document. A route cannot
 * exist without being described.
 */
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { LockerdError, type ErrorCode } from "../basics/errors.js";
import { ROLES, type Auth, type Role } from "./auth.js";
import { parse } from "./validate.js";

/** "open": no token needed; "any": any valid token; else the roles allowed (technician always is). */
export type Access = "open" | "any" | readonly Role[];

export interface ResponseSpec {
  description: string;
  /** The JSON body's shape (documentation, and tests compare real answers with it). */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

type Empty = z.ZodObject<Record<string, never>>;

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  headers: z.output<H>;
  body: z.output<B>;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> {
  method: "get" | "post" | "put" | "delete";
  /** Express syntax (/lockers/:id/open). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  /** Request headers the route reads (keys in lower case); other headers pass. */
  headers?: H;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Problem codes the route can answer with besides the common ones. */
  errors?: readonly ErrorCode[];
  handler(input: RouteInput<P, Q, H, B>, req: Request, res: Response): unknown;
}

export interface Route {
  readonly method: RouteDef<Empty, Empty, Empty, Empty>["method"];
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  readonly params: z.ZodType;
  readonly query: z.ZodType;
  readonly headers: z.ZodType | null;
  readonly body: z.ZodType | null;
  readonly responses: Record<number, ResponseSpec>;
  readonly errors: readonly ErrorCode[];
  readonly handler: (input: RouteInput<z.ZodType, z.ZodType, z.ZodType, z.ZodType>, req: Request, res: Response) => unknown;
}

const noParams = z.object({}).strict();
const noQuery = z.object({}).strict();

export function defineRoute<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, H extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  def: RouteDef<P, Q, H, B>,
): Route {
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    tag: def.tag,
    access: def.access,
    params: def.params ?? noParams,
    query: def.query ?? noQuery,
    headers: def.headers ?? null,
    body: def.body ?? null,
    responses: def.responses,
    errors: def.errors ?? [],
    handler: def.handler as Route["handler"],
  };
}

/** Roles that may call a route (technician included), or null when it is open. */
export function rolesOf(route: Route): Role[] | null {
  if (route.access === "open") return null;
  if (route.access === "any") return [...ROLES];
  return [...new Set<Role>(["technician", ...route.access])];
}

const JSON_TYPES = ["application/json", "application/*+json"];

function hasBody(req: Request): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

export interface MountOptions {
  auth: Auth;
  bodyLimitBytes: number;
}

/** Mount every route, then a 405 (with Allow) for other methods on the same paths. */
export function mountRoutes(app: Express, routes: readonly Route[], opts: MountOptions): void {
  const json = express.json({ limit: opts.bodyLimitBytes, strict: true, type: JSON_TYPES });
  // JSON only: anything else with a body is refused before it is read.
  const jsonOnly: RequestHandler = (req, _res, next) => {
    if (hasBody(req) && !req.is(JSON_TYPES)) {
      const type = req.headers["content-type"] ?? "none";
      throw new LockerdError("UNSUPPORTED_MEDIA_TYPE", `the body must be application/json (found ${type.slice(0, 80)})`, { field: "content-type" });
    }
    next();
  };

  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = route.path;
        next();
      },
    ];
    const roles = rolesOf(route);
    if (roles) chain.push(opts.auth.allow(...roles));
    if (route.body) chain.push(jsonOnly, json);
    chain.push(async (req, res) => {
      const input = {
        params: parse(route.params, req.params, "path"),
        query: parse(route.query, req.query, "query"),
        headers: route.headers ? parse(route.headers, req.headers, "header") : {},
        body: route.body ? parse(route.body, req.body ?? {}, "body") : undefined,
      };
      await route.handler(input, req, res);
    });
    app[route.method](route.path, ...chain);
    const methods = methodsByPath.get(route.path) ?? [];
    methods.push(route.method.toUpperCase());
    if (route.method === "get") methods.push("HEAD");
    methodsByPath.set(route.path, methods);
  }

  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, "OPTIONS"].join(", ");
    app.all(path, function methodNotAllowed(req, res) {
      res.locals.route = path;
      res.setHeader("Allow", allow);
      if (req.method === "OPTIONS") {
        res.status(204).end();
        return;
      }
      throw new LockerdError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here; allowed: ${allow}`);
    });
  }
}
