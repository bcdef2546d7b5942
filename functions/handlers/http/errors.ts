// handlers → every failure becomes {"error":{"code","message"}}: 4xx say what is wrong, 5xx say nothing
// about internals. Runs before @middy/http-error-handler, which then writes the response.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import createHttpError from 'http-errors';
import { ApiError, errorBody, INTERNAL_ERROR_BODY } from './responses.js';

export interface ErrorLogger {
  error(message: string, extra?: Record<string, unknown>): void;
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
};

interface HttpLikeError {
  statusCode: number;
  message: string;
  expose?: boolean;
  cause?: { package?: string };
}

const isHttpLike = (error: unknown): error is HttpLikeError =>
  error instanceof Error && Number.isInteger((error as Error & { statusCode?: unknown }).statusCode);

/** Middy's parsers answer 415 for a body that does not parse; for the caller that is a bad request. */
const fromMiddy = (error: HttpLikeError): ApiError | null => {
  const pkg = error.cause?.package;
  if (pkg === '@middy/http-json-body-parser' && /malformed/i.test(error.message)) {
    return new ApiError(400, 'invalid_json', 'The body is not valid JSON');
  }
  if (pkg === '@middy/http-urlencode-body-parser' && /malformed/i.test(error.message)) {
    return new ApiError(400, 'invalid_body', 'The body is not a valid form');
  }
  if (error.statusCode >= 400 && error.statusCode < 500 && error.expose !== false) {
    return new ApiError(error.statusCode, CODES[error.statusCode] ?? 'bad_request', error.message);
  }
  return null;
};

export const errorShaper = (logger: ErrorLogger): MiddlewareObj<APIGatewayProxyEventV2> => ({
  onError: async (request) => {
    if (request.response !== undefined) return;
    const error = request.error;
    const known = error instanceof ApiError ? error : isHttpLike(error) ? fromMiddy(error) : null;
    if (known !== null) {
      // ApiError messages are written for callers (our own 5xx ones generically), so they may be shown.
      request.error = createHttpError(
        known.statusCode,
        JSON.stringify(errorBody(known.code, known.message)),
        {
          expose: true,
          headers: known.headers,
        },
      );
      return;
    }
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    logger.error('Request failed', {
      error,
      method: request.event.requestContext?.http?.method,
      path: request.event.requestContext?.http?.path,
    });
    request.error = timedOut
      ? createHttpError(
          503,
          JSON.stringify(errorBody('timeout', 'The notifier ran out of time. Try again.')),
          { expose: true },
        )
      : createHttpError(500, INTERNAL_ERROR_BODY, { expose: true });
  },
});
