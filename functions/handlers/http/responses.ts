// handlers → the API's wire conventions: JSON bodies, and errors as {"error":{"code","message"}}.
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

export type JsonResult = Exclude<APIGatewayProxyResultV2, string>;

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): JsonResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/**
 * An error the API answers with as is. `code` is a stable machine word; `message` is for people and must
 * never carry internals (5xx messages are generic by construction: see `errorShaper`).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export const errorBody = (code: string, message: string): { error: { code: string; message: string } } => ({
  error: { code, message },
});

/** The one body every unexpected failure gets: nothing about what broke inside. */
export const INTERNAL_ERROR_BODY = JSON.stringify(
  errorBody('internal_error', 'The notifier could not handle this request. Try again later.'),
);
