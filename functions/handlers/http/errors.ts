// handlers → every failure becomes {"error":{"code","message"}}: 4xx say what is wrong, 5xx say nothing
// about internals. Only the project's own errors (ApiError) and middy's reach the caller. Runs before
// @middy/http-error-handler, which then writes the response.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import createHttpError from 'http-errors';
import { ApiError, errorBody, INTERNAL_ERROR_BODY } from './responses.js';

export interface ErrorLogger {
  error(message: string, extra?: Record<string, unknown>): void;
}

/** What the API says for a middy failure, in its own words: a library's message is never echoed. */
const MIDDY_ANSWERS: Record<number, [code: string, message: string]> = {
  400: ['bad_request', 'The request could not be read'],
  404: ['not_found', 'No such route'],
  405: ['method_not_allowed', 'This method is not supported here'],
  413: ['payload_too_large', 'The body is too large'],
  415: ['unsupported_media_type', 'The body is not of a supported media type'],
  422: ['unprocessable_entity', 'The body could not be processed'],
};

interface MiddyError {
  statusCode: number;
  message: string;
  cause: { package: string };
}

/**
 * Only middy's own middlewares (they mark their errors with `cause.package`) are trusted to have judged the
 * request; any other error that happens to carry a 4xx `statusCode` (an SDK, a library) is an internal
 * failure whose message may hold internals, so it becomes a generic 500.
 */
const isMiddyError = (error: unknown): error is MiddyError => {
  if (!(error instanceof Error)) return false;
  const { statusCode, cause } = error as Error & { statusCode?: unknown; cause?: unknown };
  const pkg = (cause as { package?: unknown } | undefined)?.package;
  return Number.isInteger(statusCode) && typeof pkg === 'string' && pkg.startsWith('@middy/');
};

/** Middy's parsers answer 415 for a body that does not parse; for the caller that is a bad request. */
const fromMiddy = (error: MiddyError): ApiError | null => {
  const pkg = error.cause.package;
  if (pkg === '@middy/http-json-body-parser' && /malformed/i.test(error.message)) {
    return new ApiError(400, 'invalid_json', 'The body is not valid JSON');
  }
  if (pkg === '@middy/http-urlencode-body-parser' && /malformed/i.test(error.message)) {
    return new ApiError(400, 'invalid_body', 'The body is not a valid form');
  }
  const answer = MIDDY_ANSWERS[error.statusCode];
  return answer === undefined ? null : new ApiError(error.statusCode, answer[0], answer[1]);
};

export const errorShaper = (logger: ErrorLogger): MiddlewareObj<APIGatewayProxyEventV2> => ({
  onError: async (request) => {
    if (request.response !== undefined) return;
    const error = request.error;
    const known = error instanceof ApiError ? error : isMiddyError(error) ? fromMiddy(error) : null;
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
