// handlers → bearer-key authentication for the /tasks routes.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { constantTimeEqual } from './constant-time.js';
import { ApiError } from './responses.js';

export type ApiKeySource = () => Promise<string[]> | string[];

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="codearts-notifier"' };

/** The key from `Authorization: Bearer <key>` (scheme case-insensitive), or null. */
export const bearerToken = (header: string | undefined): string | null => {
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
};

/** True when `candidate` is one of `keys`. Every key is compared, so timing does not tell which one matched. */
export const isValidKey = (candidate: string, keys: readonly string[]): boolean => {
  let valid = false;
  for (const key of keys) {
    if (key !== '' && constantTimeEqual(candidate, key)) valid = true;
  }
  return valid;
};

/** Rejects the request with 401 unless it carries one of the configured keys. Runs before any parsing. */
export const requireApiKey = (keys: ApiKeySource): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async (request) => {
    const candidate = bearerToken(request.event.headers?.authorization);
    if (candidate === null) {
      throw new ApiError(401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>"', CHALLENGE);
    }
    if (!isValidKey(candidate, await keys())) {
      throw new ApiError(401, 'unauthorized', 'The API key is not valid', CHALLENGE);
    }
  },
});
