// handlers → registration failures in the API's terms: the status and code of design §5, and a message for
// the caller that never carries internals.
import type { VerificationError, WatchRefusedError } from '../../app/registration/watches.js';
import { ApiError } from './responses.js';

export const verificationToApiError = (error: VerificationError): ApiError => {
  switch (error.kind) {
    case 'task-not-found':
      return new ApiError(
        404,
        error.codeArtsCode ?? 'Deploy.00011020',
        `${error.message}; nothing was stored`,
      );
    case 'task-rejected':
      return new ApiError(422, error.codeArtsCode ?? 'task_rejected', `${error.message}; nothing was stored`);
    case 'codearts-auth':
      return new ApiError(
        502,
        'codearts_auth_failed',
        'The notifier could not authenticate with CodeArts; nothing was stored',
      );
    case 'codearts-throttled':
      return new ApiError(
        503,
        'codearts_throttled',
        'CodeArts is throttling requests; nothing was stored. Retry later',
        {
          'Retry-After': String(Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000))),
        },
      );
    case 'codearts-timeout':
      return new ApiError(
        503,
        'codearts_timeout',
        'CodeArts did not answer in time; nothing was stored. Retry later',
      );
    case 'codearts-unavailable':
      return new ApiError(
        502,
        'codearts_unavailable',
        'CodeArts is unavailable; nothing was stored. Retry later',
      );
    case 'codearts-bad-response':
      return new ApiError(
        502,
        'codearts_bad_response',
        'CodeArts sent an unexpected answer; nothing was stored',
      );
  }
};

export const refusalToApiError = (error: WatchRefusedError): ApiError => {
  const message = `${error.message}; nothing was stored`;
  switch (error.refusal.reason) {
    case 'project-not-allowed':
      return new ApiError(403, 'project_not_allowed', message);
    case 'project-unknown':
      return new ApiError(403, 'project_unknown', message);
    case 'channel-full':
      return new ApiError(409, 'too_many_watches', message);
    case 'too-many-unverified':
      return new ApiError(409, 'too_many_unverified', message);
  }
};
