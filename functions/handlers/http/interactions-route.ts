// handlers → `POST /slack/interactions` (docs/api.md "Buttons"): a button pressed on a living message. The
// Slack signature is checked over the raw body exactly as for the slash command, then the form's `payload` is
// read with a schema and handed to the use case (app/interactions/press.ts), which answers the presser
// through Slack's response_url. Slack only needs a 200 within 3 s.
import type { MiddlewareObj } from '@middy/core';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InteractionError, parseInteraction } from '../../app/interactions/payload.js';
import { handlePress, type PressDeps } from '../../app/interactions/press.js';
import type { Logger } from '../../ports.js';
import { guardBody } from './body.js';
import { type Route, route } from './registration-routes.js';
import { ApiError } from './responses.js';
import { requireSlackSignature } from './slack-signature.js';

/** An interaction carries the whole message the button was on: far more than a command, still small. */
export const MAX_INTERACTION_BODY_BYTES = 128 * 1024;

export interface InteractionsRouteDeps {
  /** Undefined: buttons are switched off on this notifier (503), e.g. no poll queue configured. */
  presses:
    | (Omit<PressDeps, 'allowedTeams'> & {
        allowedTeams: () => Promise<readonly string[]> | readonly string[];
      })
    | undefined;
  signingSecret: () => Promise<string | undefined> | string | undefined;
  now: () => number;
  logger: Logger;
}

type Form = Record<string, string | string[] | undefined>;

const field = (form: Form, name: string): string => {
  const value = Object.hasOwn(form, name) ? form[name] : undefined;
  return typeof value === 'string'
    ? value
    : Array.isArray(value) && typeof value[0] === 'string'
      ? value[0]
      : '';
};

const ok = () => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '' });

export const interactionsRoute = (deps: InteractionsRouteDeps): Route =>
  route()
    // First, on the raw body: nothing unsigned gets parsed.
    .use(requireSlackSignature({ signingSecret: deps.signingSecret, now: deps.now }))
    .use(
      guardBody({ maxBytes: MAX_INTERACTION_BODY_BYTES, mediaTypes: ['application/x-www-form-urlencoded'] }),
    )
    .use(httpUrlencodeBodyParser() as unknown as MiddlewareObj<APIGatewayProxyEventV2>)
    .handler(async (event) => {
      const form = event.body as unknown as Form;
      if (field(form, 'ssl_check') === '1') return ok();
      const presses = deps.presses;
      if (presses === undefined) {
        throw new ApiError(
          503,
          'slack_actions_not_configured',
          'Buttons are not configured on this notifier',
        );
      }
      let read: ReturnType<typeof parseInteraction>;
      try {
        read = parseInteraction(field(form, 'payload'));
      } catch (error) {
        if (error instanceof InteractionError) throw new ApiError(400, error.code, error.message);
        throw error;
      }
      const retry = event.headers?.['x-slack-retry-num'];
      if (retry !== undefined) {
        // Slack sends the same press again when our answer was late: it lands on the same request.
        deps.logger.info('Slack retried a press', { retry: retry.slice(0, 4), action: read.press.kind });
      }
      await handlePress({ ...presses, allowedTeams: await presses.allowedTeams() }, read);
      return ok();
    });
