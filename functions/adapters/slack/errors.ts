// adapters/slack → Slack failures translated into the delivery terms of ports.ts (SlackErrorKind).
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { SlackDeliveryError, type SlackErrorKind } from '../../ports.js';

/** Slack's platform `error` strings by how delivery treats them; anything not listed is 'transient'. */
export const PLATFORM_ERROR_KINDS: Readonly<Record<string, SlackErrorKind>> = {
  // Permanent for this channel: the subscription is broken until someone fixes it and re-registers.
  channel_not_found: 'subscription',
  not_in_channel: 'subscription',
  is_archived: 'subscription',
  missing_scope: 'subscription',
  restricted_action: 'subscription',
  restricted_action_read_only_channel: 'subscription',
  restricted_action_thread_only_channel: 'subscription',
  restricted_action_non_threadable_channel: 'subscription',
  team_access_not_granted: 'subscription',
  ekm_access_denied: 'subscription',
  access_denied: 'subscription',
  no_permission: 'subscription',
  // Permanent for every channel: the token itself.
  invalid_auth: 'token',
  not_authed: 'token',
  token_revoked: 'token',
  token_expired: 'token',
  account_inactive: 'token',
  not_allowed_token_type: 'token',
  // The message was refused: our bug (a text-only retry may pass).
  msg_too_long: 'payload',
  msg_blocks_too_long: 'payload',
  invalid_blocks: 'payload',
  invalid_blocks_format: 'payload',
  invalid_attachments: 'payload',
  too_many_attachments: 'payload',
  no_text: 'payload',
  invalid_metadata_format: 'payload',
  invalid_metadata_schema: 'payload',
  metadata_too_large: 'payload',
  metadata_must_be_sent_from_app: 'payload',
  invalid_arguments: 'payload',
  invalid_json: 'payload',
  json_not_object: 'payload',
  // The message to edit (or reply under) is gone or not ours: post a new one.
  message_not_found: 'message-gone',
  cant_update_message: 'message-gone',
  edit_window_closed: 'message-gone',
  thread_not_found: 'message-gone',
  // Too fast.
  ratelimited: 'rate-limited',
  rate_limited: 'rate-limited',
};

export const platformErrorKind = (error: string): SlackErrorKind =>
  PLATFORM_ERROR_KINDS[error] ?? 'transient';

const isTimeout = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  return error.cause !== undefined && error.cause !== error && isTimeout(error.cause);
};

/**
 * Any error from a WebClient call as a {@link SlackDeliveryError}. `context` names the call for the message;
 * nothing from the request (token, headers, body) is ever included.
 */
export function toSlackDeliveryError(error: unknown, context = 'Slack call'): SlackDeliveryError {
  if (error instanceof SlackDeliveryError) return error;
  if (error instanceof WebAPIRateLimitedError) {
    return new SlackDeliveryError(
      'rate-limited',
      'ratelimited',
      `${context}: rate limited, retry after ${error.retryAfter}s`,
      {
        retryAfterSeconds: error.retryAfter,
        cause: error,
      },
    );
  }
  if (error instanceof WebAPIPlatformError) {
    const code = String(error.data.error);
    const kind = platformErrorKind(code);
    const retryAfter = error.data.response_metadata?.retryAfter;
    return new SlackDeliveryError(kind, code, `${context}: Slack answered ${code}`, {
      ...(kind === 'rate-limited' && typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
      cause: error,
    });
  }
  if (error instanceof WebAPIHTTPError) {
    return new SlackDeliveryError(
      'transient',
      `http_${error.statusCode}`,
      `${context}: HTTP ${error.statusCode}`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof WebAPIRequestError) {
    const timeout = isTimeout(error.original);
    return new SlackDeliveryError(
      'transient',
      timeout ? 'timeout' : 'network',
      `${context}: ${timeout ? 'no answer in time' : `request failed (${error.original.message})`}`,
      { cause: error },
    );
  }
  // The SDK gives up with a plain Error on a 429 whose Retry-After it cannot read.
  if (error instanceof Error && error.message.includes('Retry header did not contain a valid timeout')) {
    return new SlackDeliveryError('rate-limited', 'ratelimited', `${context}: rate limited`, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SlackDeliveryError('transient', 'unknown', `${context}: ${detail}`, { cause: error });
}
