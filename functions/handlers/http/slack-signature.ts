// handlers → Slack request signing (v0): HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret.
// It must see the body exactly as Slack sent it, so it runs before any body parser.
import { createHmac } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { rawBody } from './body.js';
import { constantTimeEqual } from './constant-time.js';
import { ApiError } from './responses.js';

/** Slack's replay window. Past and future alike: a clock far ahead is as suspicious as a replay. */
export const SLACK_TOLERANCE_SECONDS = 300;

export type SlackSignatureResult =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' };

export const slackSignature = (signingSecret: string, timestamp: string, body: Buffer | string): string =>
  `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;

export const verifySlackSignature = (input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer | string;
  nowMs: number;
}): SlackSignatureResult => {
  const { timestamp, signature } = input;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > SLACK_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  const expected = slackSignature(input.signingSecret, timestamp, input.body);
  return constantTimeEqual(expected, signature) ? { ok: true } : { ok: false, reason: 'bad-signature' };
};

const MESSAGES: Record<Exclude<SlackSignatureResult, { ok: true }>['reason'], [string, string]> = {
  'missing-headers': ['invalid_signature', 'The request is not signed by Slack'],
  'bad-timestamp': ['invalid_signature', 'The request timestamp is not valid'],
  stale: ['stale_request', 'The request timestamp is more than 5 minutes away from now'],
  'bad-signature': ['invalid_signature', 'The request signature does not match'],
};

/**
 * Rejects (401) anything Slack did not sign in the last five minutes. Without a signing secret the command
 * is switched off (503): accepting unsigned commands would let anyone on the internet register watches.
 */
export const requireSlackSignature = (options: {
  signingSecret: () => Promise<string | undefined> | string | undefined;
  now: () => number;
}): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async (request) => {
    const secret = await options.signingSecret();
    if (secret === undefined || secret === '') {
      throw new ApiError(503, 'slack_not_configured', 'Slack commands are not configured on this notifier');
    }
    const { headers } = request.event;
    const result = verifySlackSignature({
      signingSecret: secret,
      timestamp: headers?.['x-slack-request-timestamp'],
      signature: headers?.['x-slack-signature'],
      body: rawBody(request.event),
      nowMs: options.now(),
    });
    if (!result.ok) {
      const [code, message] = MESSAGES[result.reason];
      throw new ApiError(401, code, message);
    }
  },
});
