// handlers → bearer-key authentication for the /tasks and /channels routes: which key it is (its name goes into
// the audit trail and the log), and whether its scope allows the route.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiKey, ApiKeyScope } from '../../config.js';
import { constantTimeEqual } from './constant-time.js';
import { ApiError } from './responses.js';

export type ApiKeySource = () => Promise<readonly ApiKey[]> | readonly ApiKey[];

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="codearts-notifier"' };

/** The key from `Authorization: Bearer <key>` (scheme case-insensitive), or null. */
export const bearerToken = (header: string | undefined): string | null => {
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
};

/**
 * The configured key `candidate` is, or null. Every key is compared, so timing does not tell which one matched
 * (or whether any did).
 */
export const matchKey = (candidate: string, keys: readonly ApiKey[]): ApiKey | null => {
  let found: ApiKey | null = null;
  for (const key of keys) {
    if (key.key !== '' && constantTimeEqual(candidate, key.key) && found === null) found = key;
  }
  return found;
};

/** The key each authenticated request came with; middy hands middlewares and handlers the same event. */
const authenticated = new WeakMap<APIGatewayProxyEventV2, ApiKey>();

/** The key the request was authenticated with (set by {@link requireApiKey}). */
export const requestKey = (event: APIGatewayProxyEventV2): ApiKey => {
  const key = authenticated.get(event);
  if (key === undefined) throw new Error('requestKey: the route has no requireApiKey middleware');
  return key;
};

/**
 * Rejects the request with 401 unless it carries one of the configured keys, and with 403 when that key's scope
 * does not cover the route (a read key on a route that changes something). Runs before any parsing.
 */
export const requireApiKey = (
  keys: ApiKeySource,
  scope: ApiKeyScope,
): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async (request) => {
    const candidate = bearerToken(request.event.headers?.authorization);
    if (candidate === null) {
      throw new ApiError(401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>"', CHALLENGE);
    }
    const key = matchKey(candidate, await keys());
    if (key === null) throw new ApiError(401, 'unauthorized', 'The API key is not valid', CHALLENGE);
    if (scope === 'write' && key.scope !== 'write') {
      throw new ApiError(
        403,
        'forbidden',
        `The API key "${key.name}" may only read; this route needs a write key`,
      );
    }
    authenticated.set(request.event, key);
  },
});
