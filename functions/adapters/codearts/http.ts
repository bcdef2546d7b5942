// adapters/codearts → one HTTP exchange with a per-call timeout combined with the caller's signal.
// Transport failures become CodeArtsErrors here; HTTP statuses are interpreted by the callers.
import { CodeArtsError } from '../../ports.js';
import { BodyTooLargeError, readCappedText } from '../capped-body.js';

export interface Exchange {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

export interface ExchangeOptions {
  /** e.g. `CodeArts GET /v2/tasks/…/state`, the prefix of every error message. */
  what: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export const abortedByCaller = (what: string, signal: AbortSignal): CodeArtsError =>
  new CodeArtsError('timeout', `${what}: aborted by the caller`, { cause: signal.reason });

export const exchange = async (url: URL, init: RequestInit, options: ExchangeOptions): Promise<Exchange> => {
  const { what, timeoutMs, signal } = options;
  if (signal?.aborted) throw abortedByCaller(what, signal);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      ...init,
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      // A redirect would carry X-Auth-Token to wherever it points; CodeArts never redirects.
      redirect: 'manual',
    });
    // The body is read under the same signal, so a server that stalls mid-body still times out.
    let body: string;
    try {
      body = await readCappedText(response);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // Transient like any other unusable answer: the next poll asks again.
      throw new CodeArtsError('bad-response', `${what}: HTTP ${response.status}: ${error.message}`, {
        status: response.status,
        cause: error,
      });
    }
    return { status: response.status, statusText: response.statusText, headers: response.headers, body };
  } catch (error) {
    if (error instanceof CodeArtsError) throw error;
    if (timeout.aborted) {
      throw new CodeArtsError('timeout', `${what}: no answer within ${timeoutMs} ms`, { cause: error });
    }
    if (signal?.aborted) throw abortedByCaller(what, signal);
    const reason = error instanceof Error ? (describeCause(error) ?? error.message) : String(error);
    throw new CodeArtsError('server', `${what}: network error: ${reason}`, { cause: error });
  }
};

/** fetch's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
const describeCause = (error: Error): string | undefined => {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return undefined;
};
