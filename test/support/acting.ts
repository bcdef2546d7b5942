// Test support: pressing the buttons of the living messages the harness's workers posted, as Slack would: the
// button is read from the message in the fake Slack, the `block_actions` payload is signed with the signing
// secret and handed to the real api handler, whose answers go to the fake Slack's response URLs; the workers get
// what they need to act (the CodeArts client's acting calls, the Slack adapter's user groups, the responder).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CodeArtsClient } from '../../functions/adapters/codearts/client.js';
import {
  createSlackWebClients,
  SlackAdapter,
  SlackResponseUrl,
} from '../../functions/adapters/slack/index.js';
import type { ActingDeps } from '../../functions/app/poll/act.js';
import type { ActionKind } from '../../functions/core/actions.js';
import { ACTION_IDS } from '../../functions/core/actions.js';
import { type ApiHandler, createApiHandler } from '../../functions/handlers/api-pipeline.js';
import { slackSignature } from '../../functions/handlers/http/slack-signature.js';
import { silentLogger } from '../../functions/ports.js';
import type { FakeSlackMessage } from '../../local/fake-slack/index.js';
import { type Answer, apiEvent, call } from '../unit/api/fixtures.js';
import { CHANNEL, type CycleOptions, type Harness, TICK_SECONDS, TIME_ZONE } from './harness.js';
import { simulatorClient } from './sim-codearts.js';

export const SIGNING_SECRET = 'acting-signing-secret-0123456789';
export const TEAM = 'T0DEPLOYS1';
export const OPERATOR = 'U0OPERATOR1';
export const OTHER_OPERATOR = 'U0OPERATOR2';
export const STRANGER = 'U0STRANGER1';

export interface PressOptions {
  user?: string;
  team?: string;
  channel?: string;
  /** Sign with another secret, or not at all (null). */
  secret?: string | null;
  headers?: Record<string, string>;
  /** The body to send as is (a retry of an earlier press). */
  body?: string;
}

export interface Acting {
  api: ApiHandler;
  codearts: CodeArtsClient;
  acting: ActingDeps;
  /** Cycle options giving the workers what they need to act. */
  opts(extra?: CycleOptions): CycleOptions;
  /** The run's living message in the channel (thread mode), as the fake Slack holds it. */
  living(taskId: string, recordId: string, channel?: string): FakeSlackMessage | undefined;
  /** The buttons (action IDs) on a message. */
  buttons(message: FakeSlackMessage | undefined): string[];
  /** The form body of a press of `kind` on `recordId`, with a fresh response URL. */
  body(kind: ActionKind, taskId: string, recordId: string, options?: PressOptions): string;
  /** Sends a press (or `options.body`) to the api handler, signed at the harness's time. */
  press(
    kind: ActionKind,
    taskId: string,
    recordId: string,
    options?: PressOptions,
  ): Promise<Answer & { body: string }>;
  /** CodeArts acting calls the simulator received for the task (start, stop). */
  actingCalls(taskId: string): string[];
}

type Obj = Record<string, unknown>;

const blocksOf = (message: FakeSlackMessage | undefined): Obj[] => [
  ...((message?.blocks as Obj[] | null) ?? []),
  ...((message?.attachments as Obj[] | null) ?? []).flatMap((a) => (a.blocks as Obj[] | undefined) ?? []),
];

export function startActing(h: Harness): Acting {
  const now = () => h.clock.now();
  const codearts = simulatorClient(h.sim, { timeZone: TIME_ZONE, now });
  const responder = new SlackResponseUrl({ hooksUrl: h.slack.hooksUrl });
  const groups = new SlackAdapter(
    createSlackWebClients({ token: h.slack.token, apiUrl: h.slack.url, timeoutMs: 2000, retries: 0 }),
    { now },
  );
  const acting: ActingDeps = { actions: codearts, groups, responder };
  const api = createApiHandler({
    store: h.store,
    codearts,
    apiKeys: () => [],
    slackSigningSecret: () => SIGNING_SECRET,
    slackTeamIds: () => [TEAM],
    defaultRegion: 'cn-north-4',
    now,
    logger: silentLogger,
    interactions: { tasks: h.store, queue: h.queue, responder, followMs: TICK_SECONDS * 1000 },
  });

  const living = (taskId: string, recordId: string, channel = CHANNEL) =>
    h.slack
      .messages(channel)
      .find((m) => m.threadTs === null && m.metadata?.event_payload.key === `${taskId}/${recordId}`);

  const buttons = (message: FakeSlackMessage | undefined) =>
    blocksOf(message)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements as Obj[]).map((e) => String(e.action_id)));

  const body = (kind: ActionKind, taskId: string, recordId: string, options: PressOptions = {}) => {
    const team = options.team ?? TEAM;
    const channel = options.channel ?? CHANNEL;
    const user = options.user ?? OPERATOR;
    // The button as rendered, when the message has it; otherwise (a stale button) one shaped the same way.
    const shown = blocksOf(living(taskId, recordId, channel))
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements as Obj[])
      .find((e) => e.action_id === ACTION_IDS[kind]);
    const action = shown ?? {
      type: 'button',
      action_id: ACTION_IDS[kind],
      value: JSON.stringify({ task_id: taskId, record_id: recordId }),
    };
    const payload = {
      type: 'block_actions',
      user: { id: user, username: 'someone', name: 'someone', team_id: team },
      api_app_id: 'A0FAKEAPP',
      token: 'verification-token-unused',
      container: {
        type: 'message',
        message_ts: '1700000000.000100',
        channel_id: channel,
        is_ephemeral: false,
      },
      trigger_id: '1234567890.123456.abcdef',
      team: { id: team, domain: 'deploys' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel, name: 'deployments' },
      message: { type: 'message', text: 'the living message', ts: '1700000000.000100' },
      response_url: h.slack.responseUrl(),
      actions: [{ ...action, block_id: 'codearts_actions', action_ts: '1700000001.000200' }],
      state: { values: {} },
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  };

  const press = async (kind: ActionKind, taskId: string, recordId: string, options: PressOptions = {}) => {
    const sent = options.body ?? body(kind, taskId, recordId, options);
    const timestamp = String(Math.floor(now() / 1000));
    const secret = options.secret === undefined ? SIGNING_SECRET : options.secret;
    const event: APIGatewayProxyEventV2 = apiEvent({
      method: 'POST',
      path: '/slack/interactions',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(secret === null
          ? {}
          : {
              'x-slack-request-timestamp': timestamp,
              'x-slack-signature': slackSignature(secret, timestamp, sent),
            }),
        ...(options.headers ?? {}),
      },
      body: sent,
    });
    return { ...(await call(api, event)), body: sent };
  };

  return {
    api,
    codearts,
    acting,
    opts: (extra = {}) => ({ ...extra, deps: { ...extra.deps, acting } }),
    living,
    buttons,
    body,
    press,
    actingCalls: (taskId) =>
      h.sim.requests
        .filter((r) => r.path.includes(taskId) && (r.path.endsWith('/start') || r.path.endsWith('/stop')))
        .map((r) => `${r.method} ${r.path.endsWith('/start') ? 'start' : 'stop'}`),
  };
}
