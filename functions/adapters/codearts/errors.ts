// adapters/codearts → CodeArts/APIG/IAM answers translated into CodeArtsError kinds, by error code first:
// CodeArts is not consistent about statuses, and the live service sends JSON error bodies as text/html.
import { isObject } from '../../core/codearts-json.js';
import { CODEARTS_CODES, CodeArtsError, type CodeArtsErrorKind } from '../../ports.js';

/** Huawei suggests waiting 2–5 s after a 429; used when no Retry-After header says otherwise. */
export const DEFAULT_RETRY_AFTER_MS = 3000;

export interface ErrorFields {
  code: string | undefined;
  message: string | undefined;
}

const asText = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Reads an error body whatever its content type claims (the live service sends JSON as text/html).
 * Flat `error_code`/`error_msg` first (the live dual shape puts the useful code there), then
 * `error.code` with `error.message` or `error.reason`.
 */
export const parseErrorFields = (body: unknown): ErrorFields => {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { code: undefined, message: undefined };
    }
  }
  if (!isObject(value)) return { code: undefined, message: undefined };
  const nested = isObject(value.error) ? value.error : undefined;
  const flatCode = asText(value.error_code);
  if (flatCode !== undefined) {
    return {
      code: flatCode,
      message: asText(value.error_msg) ?? asText(nested?.message) ?? asText(nested?.reason),
    };
  }
  return {
    code: asText(nested?.code),
    message: asText(nested?.message) ?? asText(nested?.reason) ?? asText(value.error_msg),
  };
};

/** Which kind an HTTP answer is, from its code first (CodeArts is not consistent about statuses), then its status. */
export const classify = (status: number, code: string | undefined): CodeArtsErrorKind => {
  if (code === CODEARTS_CODES.taskGone) return 'task-gone';
  if (code === CODEARTS_CODES.recordGone) return 'record-gone';
  if (status === 401 || code === 'APIG.0301' || code === 'APIGW.0301') return 'auth';
  if (status === 429 || code === 'APIG.0308' || code === 'APIGW.0308') return 'throttled';
  if (status >= 500) return 'server';
  if (status >= 400) return 'bad-request';
  return 'bad-response';
};

/** Retry-After as delta-seconds or an HTTP date; the suggested default otherwise. */
export const retryAfterMs = (header: string | null, nowMs: number): number => {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - nowMs);
};

export interface HttpFailure {
  /** e.g. `CodeArts GET /v2/tasks/…/state` or `IAM POST /v3/auth/tokens`. */
  what: string;
  status: number;
  statusText: string;
  body: string;
  requestId: string | undefined;
  retryAfter: string | null;
  nowMs: number;
  /** Removes secrets from text that came from the server. */
  redact: (text: string) => string;
  /** Forces a kind (IAM maps every credential refusal to 'auth'). */
  kind?: CodeArtsErrorKind;
}

export const httpError = (failure: HttpFailure): CodeArtsError => {
  const { code, message } = parseErrorFields(failure.body);
  const kind = failure.kind ?? classify(failure.status, code);
  const detail = message ?? (failure.statusText || 'no error message');
  const text = `${failure.what}: HTTP ${failure.status}${code === undefined ? '' : ` ${code}`}: ${detail}${
    failure.requestId === undefined ? '' : ` (request ${failure.requestId})`
  }`;
  return new CodeArtsError(kind, failure.redact(text), {
    status: failure.status,
    ...(code === undefined ? {} : { code }),
    ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
    ...(kind === 'throttled' ? { retryAfterMs: retryAfterMs(failure.retryAfter, failure.nowMs) } : {}),
  });
};
