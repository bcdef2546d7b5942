// handlers → why a watch was not stored, in the HTTP API's terms (docs/api.md "Errors"): one table for what
// CodeArts answered when the task was looked up, one for the channel's refusals. Each gives the status, the stable
// code and a message for the caller that never carries internals.
import type { WatchRefusedError } from '../../app/registration/watches.js';
import type { WatchRefusal } from '../../core/trust.js';
import { CODEARTS_CODES, type CodeArtsError, type CodeArtsErrorKind } from '../../ports.js';
import { ApiError } from './responses.js';

interface Answer {
  status: number;
  /** The stable code; `codeArts: true` gives CodeArts' own code (`Deploy.00011020`) instead, when it sent one. */
  code: string;
  codeArts?: true;
  message: (taskId: string) => string;
  /** Sent as Retry-After (seconds), from the wait CodeArts asked for. */
  retryAfter?: true;
}

/** CodeArts refused the lookup itself. */
const LOOKUP_REFUSED: Answer = {
  status: 422,
  code: 'task_rejected',
  codeArts: true,
  message: (taskId) => `CodeArts refused to look up task ${taskId}; nothing was stored`,
};

/** What the API says when CodeArts could not confirm the task, by what CodeArts answered. */
const CODEARTS_ANSWERS: Record<CodeArtsErrorKind, Answer> = {
  'task-gone': {
    status: 404,
    code: CODEARTS_CODES.taskGone,
    codeArts: true,
    message: (taskId) => `CodeArts does not know task ${taskId}; nothing was stored`,
  },
  'bad-request': LOOKUP_REFUSED,
  // Only the task detail can say this (a `/state` record-gone means the task never ran): a lookup refused.
  'record-gone': LOOKUP_REFUSED,
  auth: {
    status: 502,
    code: 'codearts_auth_failed',
    message: () => 'The notifier could not authenticate with CodeArts; nothing was stored',
  },
  throttled: {
    status: 503,
    code: 'codearts_throttled',
    message: () => 'CodeArts is throttling requests; nothing was stored. Retry later',
    retryAfter: true,
  },
  timeout: {
    status: 503,
    code: 'codearts_timeout',
    message: () => 'CodeArts did not answer in time; nothing was stored. Retry later',
  },
  server: {
    status: 502,
    code: 'codearts_unavailable',
    message: () => 'CodeArts is unavailable; nothing was stored. Retry later',
  },
  'bad-response': {
    status: 502,
    code: 'codearts_bad_response',
    message: () => 'CodeArts sent an unexpected answer; nothing was stored',
  },
};

/** Without a Retry-After from CodeArts, callers are asked to wait this long. */
const DEFAULT_RETRY_AFTER_MS = 5000;

export const codeArtsToApiError = (error: CodeArtsError, taskId: string): ApiError => {
  const answer = CODEARTS_ANSWERS[error.kind];
  const code = answer.codeArts === true ? (error.code ?? answer.code) : answer.code;
  const headers: Record<string, string> =
    answer.retryAfter === true
      ? {
          'Retry-After': String(
            Math.max(1, Math.ceil((error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) / 1000)),
          ),
        }
      : {};
  return new ApiError(answer.status, code, answer.message(taskId), headers);
};

/** What the API says when the channel's rules refuse the watch. */
const REFUSAL_ANSWERS: Record<WatchRefusal['reason'], { status: number; code: string }> = {
  'project-not-allowed': { status: 403, code: 'project_not_allowed' },
  'project-unknown': { status: 403, code: 'project_unknown' },
  'channel-full': { status: 409, code: 'too_many_watches' },
  'too-many-unverified': { status: 409, code: 'too_many_unverified' },
};

export const refusalToApiError = (error: WatchRefusedError): ApiError => {
  const { status, code } = REFUSAL_ANSWERS[error.refusal.reason];
  return new ApiError(status, code, `${error.message}; nothing was stored`);
};
