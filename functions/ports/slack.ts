// ports/slack → Slack as the app sees it: posting and updating messages, finding them again, user groups, private
// answers to presses, and what went wrong (SlackDeliveryError).
import type { SlackMessageRef } from '../core/model.js';

/** A rendered Slack message: `text` is always present (notification and screen-reader fallback). */
export interface SlackMessage {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Slack message metadata we attach to every post so a delivery whose outcome is unknown can be found. */
export interface SlackMetadata {
  eventType: string;
  payload: Record<string, string | number | boolean>;
}

/** A message found by its metadata, with the metadata payload it was posted with. */
export interface SlackFoundMessage extends SlackMessageRef {
  payload: Record<string, string | number | boolean>;
}

export interface SlackPostTarget {
  channel: string;
  /** Reply in this thread (the parent's ts). */
  threadTs?: string;
  /** With threadTs: also show the reply in the channel. */
  broadcast?: boolean;
  metadata?: SlackMetadata;
}

export interface SlackMetadataQuery {
  channel: string;
  /** Look among this thread's replies; without it, among channel messages. */
  threadTs?: string;
  /** Only messages newer than this ts (channel history). */
  oldest?: string;
  eventType: string;
  /** Matches `payload.key`. */
  key: string;
}

export interface SlackPort {
  post(target: SlackPostTarget, message: SlackMessage): Promise<SlackMessageRef>;
  update(ref: SlackMessageRef, message: SlackMessage): Promise<void>;
  /** Finds a message this app posted whose metadata `payload.key` equals `query.key` (the newest, if several). */
  findByMetadata(query: SlackMetadataQuery): Promise<SlackFoundMessage | null>;
  /** `chat.getPermalink`: a link to the message that opens it in Slack. */
  getPermalink(ref: SlackMessageRef): Promise<string>;
}

/** Who is in a Slack user group (`usergroups.users.list`), for watches whose operators name a group. */
export interface SlackUserGroups {
  /** The user IDs in `groupId`; rejects with a {@link SlackDeliveryError} when Slack cannot say. */
  members(groupId: string): Promise<readonly string[]>;
}

/** A private (ephemeral) answer to whoever pressed a button, through the press's `response_url`. */
export interface SlackResponder {
  /**
   * Posts `answer` to `responseUrl` if it is on Slack's hooks host (anything else is never called). Resolves true
   * when Slack took it, false otherwise (a foreign URL, an expired one, no answer); never rejects.
   */
  respond(responseUrl: string, answer: { text: string }, signal?: AbortSignal): Promise<boolean>;
}

/**
 * How a Slack failure affects delivery:
 * - `transient`: 5xx, network, timeout; leave pending, retry next cycle;
 * - `rate-limited`: 429; leave pending, wait `retryAfterSeconds`;
 * - `subscription`: permanent for this channel (`channel_not_found`, `not_in_channel`, `is_archived`, …);
 * - `token`: permanent for every channel (`invalid_auth`, `token_revoked`, …);
 * - `payload`: the message itself was refused (`msg_too_long`, `invalid_blocks`, …);
 * - `message-gone`: the message to update is gone or not ours (`message_not_found`, `cant_update_message`).
 */
export type SlackErrorKind =
  | 'transient'
  | 'rate-limited'
  | 'subscription'
  | 'token'
  | 'payload'
  | 'message-gone';

export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  readonly kind: SlackErrorKind;
  /** Slack's error string (`channel_not_found`, …) or an HTTP/network description. */
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: SlackErrorKind,
    code: string,
    message: string,
    details: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
