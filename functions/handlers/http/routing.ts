// handlers → routing details the router leaves to us: stage prefixes and 404 vs 405.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ApiError } from './responses.js';

/**
 * A named API Gateway stage (`/prod/tasks`) prefixes every path; the routes are written without it.
 * The `$default` stage adds nothing.
 */
export const stripStage = (): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async (request) => {
    const context = request.event.requestContext;
    const stage = context?.stage;
    const path = context?.http?.path;
    if (stage === undefined || stage === '$default' || path === undefined) return;
    const prefix = `/${stage}`;
    if (path === prefix || path.startsWith(`${prefix}/`))
      context.http.path = path.slice(prefix.length) || '/';
  },
});

export interface RouteShape {
  method: string;
  path: string;
}

const toPattern = (path: string): RegExp => new RegExp(`^${path.replace(/\{[^/]+\}/g, '[^/]+')}/?$`);

/** For the router's `notFoundResponse`: 405 (with `Allow`) when the path exists under other methods. */
export const routeNotFound = (routes: readonly RouteShape[]) => {
  const patterns = routes.map((route) => ({ method: route.method, pattern: toPattern(route.path) }));
  return ({ method, path }: { method: string; path: string }): never => {
    const allowed = patterns.filter((route) => route.pattern.test(path)).map((route) => route.method);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    if (allowed.length > 0) {
      throw new ApiError(405, 'method_not_allowed', `${method} is not supported on ${shown}`, {
        Allow: [...new Set(allowed)].join(', '),
      });
    }
    throw new ApiError(404, 'not_found', `No route for ${method} ${shown}`);
  };
};
