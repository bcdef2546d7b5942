// cli → `notifier slack press`: a button of the living message pressed without Slack, for the local run (Slack
// drawn in the terminal) or a test installation. It sends the request Slack would send, signed with the signing
// secret, or (--curl) prints it as a curl command to run within five minutes (Slack's replay window).
import { readFileSync } from 'node:fs';
import type { ActionKind } from '../../functions/core/actions.js';
import { localResponseUrl, pressBody, signedHeaders } from '../../local/slack-press.js';
import { type ApiClient, CliError } from './api-client.js';
import type { Print } from './commands.js';

export interface PressOptions {
  record: string | undefined;
  channel: string | undefined;
  user: string | undefined;
  team: string | undefined;
  signingSecretFile: string | undefined;
  curl: boolean;
}

const KINDS: Record<string, ActionKind> = { stop: 'stop', rerun: 'rerun', rollback: 'rollback' };

const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

const signingSecret = (env: Record<string, string | undefined>, file: string | undefined): string => {
  const fromEnv = env.SLACK_SIGNING_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const path = file ?? '.notifier/slack-signing-secret';
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret !== '') return secret;
  } catch {
    // Said below.
  }
  throw new CliError(
    `No signing secret: set SLACK_SIGNING_SECRET, or pass --signing-secret-file (\`npm start\` keeps one in ${path}).`,
  );
};

/** The run a press on `taskId` acts on when --record is not given: its latest, as the notifier knows it. */
const latestRecord = async (api: ApiClient | null, taskId: string): Promise<string> => {
  if (api === null)
    throw new CliError('Pass --record <record_id>, or an API key so the latest run can be looked up.');
  const shown = (await api.request('GET', `/tasks/${taskId}`)) as {
    snapshot?: { record_id?: string } | null;
  };
  const recordId = shown.snapshot?.record_id;
  if (typeof recordId !== 'string') throw new CliError(`Task ${taskId} has no run yet to press a button on.`);
  return recordId;
};

export const slackPress = async (
  io: {
    env: Record<string, string | undefined>;
    fetch: typeof fetch;
    endpoint: string;
    api: ApiClient | null;
  },
  print: Print,
  action: string,
  taskId: string,
  options: PressOptions,
): Promise<unknown> => {
  const kind = KINDS[action];
  if (kind === undefined) throw new CliError(`slack press takes stop, rerun or rollback, not ${action}.`);
  if (options.channel === undefined) throw new CliError('slack press needs --channel (where the watch is).');
  if (options.user === undefined)
    throw new CliError('slack press needs --user (the Slack user who presses).');
  const secret = signingSecret(io.env, options.signingSecretFile);
  const team = options.team ?? 'T0LOCAL00';
  const recordId = options.record ?? (await latestRecord(io.api, taskId));
  const body = pressBody({
    kind,
    taskId,
    recordId,
    channel: options.channel,
    user: options.user,
    team,
    responseUrl: localResponseUrl(team),
  });
  const headers = signedHeaders(secret, body);
  const url = `${io.endpoint.replace(/\/+$/, '')}/slack/interactions`;
  if (options.curl) {
    const flags = Object.entries(headers).map(([name, value]) => `-H ${sq(`${name}: ${value}`)}`);
    print(`curl -s -X POST ${sq(url)} ${flags.join(' ')} --data-raw ${sq(body)}`);
    return { url, headers, body };
  }
  const response = await io.fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new CliError(`The notifier refused the press (HTTP ${response.status}): ${text.slice(0, 300)}`);
  print(
    `Pressed ${action} on run ${recordId} of ${taskId} as ${options.user}; the answer shows in Slack (or the terminal).`,
  );
  return { status: response.status, recordId };
};
