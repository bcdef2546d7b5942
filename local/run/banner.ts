// local/run → what `npm start` prints once it is up: where the API is, the key, where the data lives, what
// it is talking to, and commands to copy. The first line is stable for scripts and tests to parse.
import { relative, sep } from 'node:path';
import type { Style } from '../terminal-slack/style.js';
import type { ApiKeyInfo } from './api-key.js';
import { DEMO_SLOW_NEXT_RUN } from './demo.js';
import type { LocalSettings } from './settings.js';

export interface BannerInput {
  apiUrl: string;
  apiKey: ApiKeyInfo;
  settings: LocalSettings;
  dataLocation: string;
  codearts: { simulatorUrl: string } | { endpoint: string; region: string };
  slack: { terminal: true } | { terminal: false; apiUrl: string };
  demo: {
    taskId: string;
    taskName: string;
    channel: string;
    /** Registered automatically (terminal Slack); else the user watches it where they choose. */
    watched: boolean;
    everyMinutes: number;
    failEvery: number;
  } | null;
  /** The demo watch's operator, and how to press its buttons here (the prompt, or a signed request). */
  acting?: {
    operator: string;
    team: string;
    /** Presses can be typed at this terminal. */
    prompt: boolean;
    /** Where the local signing secret is kept; null when it came from SLACK_SIGNING_SECRET. */
    signingSecretFile: string | null;
  } | null;
  cwd?: string;
}

/** Single quotes for a POSIX shell. */
const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

const display = (path: string, cwd: string) => {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || rel.startsWith(sep) ? path : rel;
};

export function bannerLines(input: BannerInput, style: Style): string[] {
  const { apiUrl, apiKey, settings } = input;
  const cwd = input.cwd ?? process.cwd();
  const label = (text: string) => style.dim(text.padEnd(10));
  const fromEnv = apiKey.file === null;
  // A key given in the environment is the user's secret: refer to the variable instead of echoing it.
  const keyRef = fromEnv ? '$NOTIFIER_API_KEY' : apiKey.key;
  const channel = input.demo?.channel ?? '#deployments';
  const exampleTask = input.demo && !input.demo.watched ? input.demo.taskId : '<task id>';
  const lines = [
    `API listening on ${apiUrl}`,
    `  ${label('API key')} ${fromEnv ? 'from NOTIFIER_API_KEY' : `${style.bold(apiKey.key)}  ${style.dim(`(kept in ${display(apiKey.file ?? '', cwd)})`)}`}`,
    `  ${label('Data')} ${display(input.dataLocation, cwd)}  ${style.dim('(watches, snapshots and living messages survive restarts)')}`,
    'simulatorUrl' in input.codearts
      ? `  ${label('CodeArts')} built-in simulator at ${input.codearts.simulatorUrl}  ${style.dim('(set CODEARTS_ENDPOINT and credentials for real CodeArts)')}`
      : `  ${label('CodeArts')} ${input.codearts.endpoint}  ${style.dim(`(default region ${input.codearts.region})`)}`,
    input.slack.terminal
      ? `  ${label('Slack')} shown here in the terminal  ${style.dim('(set SLACK_BOT_TOKEN to post to a workspace)')}`
      : `  ${label('Slack')} posting through ${input.slack.apiUrl}`,
    `  ${label('Polling')} every ${settings.pollIntervalSeconds} s, running deployments every ${settings.activePollSeconds} s${
      settings.demoPacing
        ? style.dim('  (demo pace; POLL_INTERVAL_SECONDS / ACTIVE_POLL_SECONDS change it)')
        : ''
    }`,
    '',
    'Watch a task:',
    `  curl -s -X POST ${apiUrl}/tasks -H ${fromEnv ? `"Authorization: Bearer ${keyRef}"` : sq(`Authorization: Bearer ${keyRef}`)} -H 'Content-Type: application/json' -d ${sq(JSON.stringify({ task_id: exampleTask, channel }))}`,
    `  NOTIFIER_ENDPOINT=${apiUrl} NOTIFIER_API_KEY=${fromEnv ? '"$NOTIFIER_API_KEY"' : keyRef} npx notifier tasks add ${exampleTask} --channel ${sq(channel)}`,
  ];
  if (input.demo && 'simulatorUrl' in input.codearts) {
    const { demo } = input;
    lines.push(
      '',
      `Demo: ${style.bold(demo.taskName)} (${demo.taskId}) deploys every ${demo.everyMinutes} minutes, every ${ordinal(demo.failEvery)} run fails; ${
        demo.watched
          ? `watched in ${demo.channel}.`
          : 'not watched yet: the commands above watch it (pick your channel).'
      }`,
      `  A failing run now: curl -s -X POST ${input.codearts.simulatorUrl}/_sim/tasks/${demo.taskId}/runs -d '{"outcome":"failed","failAtStep":2}'`,
      `  A stuck step (the next run sits 7 min in Install Package, usually 8 s; one notice after 5 min): curl -s -X PUT ${input.codearts.simulatorUrl}/_sim/tasks/${demo.taskId}/next-run -d ${sq(JSON.stringify(DEMO_SLOW_NEXT_RUN))}`,
      `  Mention whoever ran it: curl -s -X PUT ${apiUrl}/people/devcloud_test -H ${fromEnv ? `"Authorization: Bearer ${keyRef}"` : sq(`Authorization: Bearer ${keyRef}`)} -H 'Content-Type: application/json' -d '{"slack_user":"U0123ABCD9"}'`,
    );
    const acting = input.acting;
    if (acting) {
      const secretRef =
        acting.signingSecretFile === null
          ? ''
          : ` --signing-secret-file ${sq(display(acting.signingSecretFile, cwd))}`;
      lines.push(
        `Act on it as its operator ${acting.operator}: ${acting.prompt ? 'type stop, rerun or rollback here and press Enter, or ' : ''}send a signed press:`,
        `  NOTIFIER_ENDPOINT=${apiUrl} NOTIFIER_API_KEY=${fromEnv ? '"$NOTIFIER_API_KEY"' : keyRef} npx notifier slack press stop ${demo.taskId} --channel ${sq(demo.channel)} --user ${acting.operator} --team ${acting.team}${secretRef}`,
        style.dim(
          '  (rerun or rollback instead of stop; --curl prints the signed curl command instead of sending it)',
        ),
      );
    }
  }
  lines.push(style.dim('Ctrl-C stops; a restart picks up where this one left off.'), '');
  return lines;
}

const ordinal = (n: number) => (n === 2 ? '2nd' : n === 3 ? '3rd' : n === 1 ? '' : `${n}th`);
