/**
 * The route registry: each route is declared once — method, path, who may call it, the zod
 * schemas of its path, query, headers and body, and its responses — and that one declaration
 * both mounts and validates the route and describes it in the OpenAPI document. A route cannot
 * exist without being described.
 *
 * The registry is shared by the bank's API and lockerd-central's: routes are generic in their
 * role names (R), and a RoleModel says which roles exist and which one may do everything.
 */
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { LockerdError, type ErrorCode } from "../basics/errors.js";
import { ROLES, type Role } from "./auth.js";
import { parse } from "./validate.js";

/** "open": no token needed; "any": any valid token; else the roles allowed (the super role always is). */
export type Access<R extends string = Role> = "open" | "any" | readonly R[];

/** The roles of one API: all of them, and the one allowed everywhere (the bank's technician). */
export interface RoleModel<R extends string = Role> {
  readonly all: readonly R[];
  readonly superRole: R;
}

export const BANK_ROLES: RoleModel<Role> = { all: ROLES, superRole: "technician" };

/** What mounting needs of an authenticator: a middleware that lets these roles through. */
export interface RouteAuth<R extends string = Role> {
  allow(...roles: R[]): RequestHandler;
}

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

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType, R extends string = Role> {
  method: "get" | "post" | "put" | "delete";
  /** Express syntax (/lockers/:id/open). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access<R>;
  params?: P;
  query?: Q;
  /** Request headers the route reads (keys in lower case); other headers pass. */
  headers?: H;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Problem codes the route can answer with besides the common ones. */
  errors?: readonly ErrorCode[];
  /** A non-idempotent POST that honours the Idempotency-Key header (see idempotency.ts). */
  idempotencyKey?: boolean;
  handler(input: RouteInput<P, Q, H, B>, req: Request, res: Response): unknown;
}

export interface Route<R extends string = Role> {
  readonly method: RouteDef<Empty, Empty, Empty, Empty>["method"];
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access<R>;
  readonly params: z.ZodType;
  readonly query: z.ZodType;
  readonly headers: z.ZodType | null;
  readonly body: z.ZodType | null;
  readonly responses: Record<number, ResponseSpec>;
  readonly errors: readonly ErrorCode[];
  readonly idempotencyKey: boolean;
  readonly handler: (input: RouteInput<z.ZodType, z.ZodType, z.ZodType, z.ZodType>, req: Request, res: Response) => unknown;
}

const noParams = z.object({}).strict();
const noQuery = z.object({}).strict();

export function defineRoute<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, H extends z.ZodType = Empty, B extends z.ZodType = Empty, R extends string = Role>(
  def: RouteDef<P, Q, H, B, R>,
): Route<R> {
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    tag: def.tag,
    access: def.access,
    params: def.params ?? noParams,
    query: def.query ?? noQuery,
    headers: def.idempotencyKey ? withIdempotencyKey(def.headers) : (def.headers ?? null),
    body: def.body ?? null,
    responses: def.responses,
    errors: def.idempotencyKey ? [...(def.errors ?? []), "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS"] : (def.errors ?? []),
    idempotencyKey: def.idempotencyKey ?? false,
    handler: def.handler as Route<R>["handler"],
  };
}

const idempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 printable ASCII characters")
    .optional()
    .meta({ description: "the same key and request within a day answer the first answer again; the same key with another request is a 422" }),
});

function withIdempotencyKey(headers: z.ZodType | undefined): z.ZodType {
  return headers instanceof z.ZodObject ? headers.extend(idempotencyKeyHeader.shape) : idempotencyKeyHeader;
}

/** Roles that may call a route (the super role included), or null when it is open. */
export function rolesOf<R extends string = Role>(route: Route<R>, model: RoleModel<R> = BANK_ROLES as unknown as RoleModel<R>): R[] | null {
  if (route.access === "open") return null;
  if (route.access === "any") return [...model.all];
  return [...new Set<R>([model.superRole, ...route.access])];
}

const JSON_TYPES = ["application/json", "application/*+json"];

function hasBody(req: Request): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

export interface MountOptions<R extends string = Role> {
  auth: RouteAuth<R>;
  bodyLimitBytes: number;
  /** Default: the bank's roles. */
  roles?: RoleModel<R>;
  /** Answers requests repeated with the same Idempotency-Key (the routes that declare it). */
  idempotency?: RequestHandler;
  /** Run before each route's work once its body is read: the bank's oneRequestPerTurn (turns.ts). */
  turns?: RequestHandler;
}

/** Mount every route, and a 405 (with Allow) for other methods on the same paths. */
export function mountRoutes<R extends string = Role>(app: Express, routes: readonly Route<R>[], opts: MountOptions<R>): void {
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
    const methods = methodsByPath.get(route.path) ?? [];
    methods.push(route.method.toUpperCase());
    if (route.method === "get") methods.push("HEAD");
    methodsByPath.set(route.path, methods);
  }
  const methodNotAllowed = (path: string): RequestHandler => {
    const methods = methodsByPath.get(path)!;
    const allow = [...methods, "OPTIONS"].join(", ");
    return function methodNotAllowed(req, res, next) {
      if (methods.includes(req.method)) return next();
      res.setHeader("Allow", allow);
      if (req.method === "OPTIONS") {
        res.status(204).end();
        return;
      }
      throw new LockerdError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here; allowed: ${allow}`);
    };
  };
  // A fixed path's 405 goes first: GET /lockers/assign is a wrong method on a known path, not
  // GET /lockers/:id with the id "assign" (a 400). Paths with parameters get theirs after every route.
  // No res.locals.route in a 405: a method the path does not have matched no route (metrics say "unmatched").
  const fixed = [...methodsByPath.keys()].filter((p) => !p.includes(":"));
  for (const path of fixed) app.all(path, methodNotAllowed(path));

  for (const route of routes) {
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = route.path;
        next();
      },
    ];
    const roles = rolesOf(route, opts.roles);
    if (roles) chain.push(opts.auth.allow(...roles));
    if (route.body) chain.push(jsonOnly, json);
    if (opts.turns) chain.push(opts.turns);
    if (route.idempotencyKey && opts.idempotency) chain.push(opts.idempotency);
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
  }

  for (const path of methodsByPath.keys()) if (path.includes(":")) app.all(path, methodNotAllowed(path));
}
