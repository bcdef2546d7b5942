// local → a button press as Slack sends it (a signed `block_actions` form), for pressing the buttons of the local
// run from the terminal prompt or the `notifier slack press` CLI, where no Slack workspace is there to send one.
// The request is the real thing: it goes through the same signature check and payload schema as Slack's.
import { createHmac } from 'node:crypto';
import { ACTION_IDS, type Press } from '../functions/core/actions.js';

/**
 * A press as the api will read it from the payload. `channel` is the channel the watch is in (an ID, or a #name as
 * the local demo has); `responseUrl` is where the private answers go (the terminal Slack prints what is posted to a
 * hooks.slack.com URL), always given here.
 */
export interface LocalPress extends Omit<Press, 'responseUrl'> {
  responseUrl: string;
}

/** The form body of a press: `payload=` the JSON Slack posts. */
export function pressBody(press: LocalPress): string {
  const payload = {
    type: 'block_actions',
    team: { id: press.team, domain: 'local' },
    user: { id: press.user, username: 'operator', team_id: press.team },
    api_app_id: 'A0LOCALAPP',
    container: { type: 'message', channel_id: press.channel, is_ephemeral: false },
    trigger_id: `local.${Date.now()}`,
    channel: { id: press.channel, name: press.channel.replace(/^#/, '') },
    response_url: press.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: ACTION_IDS[press.kind],
        block_id: 'codearts_actions',
        value: JSON.stringify({ task_id: press.taskId, record_id: press.recordId }),
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Slack's v0 request signature headers for `body`, made now with `signingSecret`. */
export function signedHeaders(
  signingSecret: string,
  body: string,
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  };
}

/** A response URL on Slack's hooks host for a local press (nothing is sent there: the terminal shows the answer). */
export const localResponseUrl = (team: string): string =>
  `https://hooks.slack.com/actions/${team}/local/${Date.now().toString(36)}`;
