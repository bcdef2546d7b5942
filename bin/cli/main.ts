// cli → `notifier`: argument parsing and dispatch. Takes its world (argv, env, output, fetch) as
// parameters so tests run it in-process against a real server.
import { parseArgs } from 'node:util';
import { ApiClient, CliError } from './api-client.js';
import { addTask, listTasks, type Print, removeTask, showTask } from './commands.js';
import { slackPress } from './press.js';

export const DEFAULT_ENDPOINT = 'http://localhost:3000';

export const USAGE = `notifier: manage the CodeArts Deploy watches of a running notifier (its HTTP API)

Usage:
  notifier tasks add <task_id> --channel <C…|G…|#name> [--notify all|failures|status]
                     [--mode thread|messages] [--mention U…]… [--operator U…|S…]…
                     [--region <region>]
  notifier tasks list
  notifier tasks show <task_id>
  notifier tasks remove <task_id> [--channel <C…|#name>]
  notifier slack press stop|rerun|rollback <task_id> --channel <C…|#name> --user <U…> [--team <T…>]
                     [--record <record_id>] [--signing-secret-file <path>] [--curl]
                     (a button press as Slack sends it, signed with SLACK_SIGNING_SECRET or the file;
                      --curl prints it as a curl command instead of sending it)

Options:
  --endpoint <url>   the notifier's API (env NOTIFIER_ENDPOINT; default ${DEFAULT_ENDPOINT})
  --key <key>        an API key (env NOTIFIER_API_KEY; \`npm start\` prints the local one)
  --json             print the API's JSON answer instead of text
  -h, --help         this help

Examples:
  notifier tasks add e700f15965694253940502911220d76b --channel C0123ABCD --notify failures --mention U0456EFGH
  notifier tasks remove e700f15965694253940502911220d76b --channel C0123ABCD`;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: Print;
  stderr: Print;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const OPTIONS = {
  endpoint: { type: 'string' },
  key: { type: 'string' },
  channel: { type: 'string' },
  notify: { type: 'string' },
  mode: { type: 'string' },
  mention: { type: 'string', multiple: true },
  operator: { type: 'string', multiple: true },
  region: { type: 'string' },
  record: { type: 'string' },
  user: { type: 'string' },
  team: { type: 'string' },
  'signing-secret-file': { type: 'string' },
  curl: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options that make sense only for some commands; anything else is a mistake worth saying. */
const ALLOWED: Record<string, readonly string[]> = {
  add: ['channel', 'notify', 'mode', 'mention', 'operator', 'region'],
  list: [],
  show: [],
  remove: ['channel'],
  press: ['channel', 'record', 'user', 'team', 'signing-secret-file', 'curl'],
};
const GLOBAL = ['endpoint', 'key', 'json', 'help'];

type Values = Record<string, string | boolean | string[] | undefined>;

const endpointOf = (values: Values, io: CliIo): string => {
  const endpoint = String(values.endpoint ?? io.env.NOTIFIER_ENDPOINT ?? DEFAULT_ENDPOINT);
  if (!/^https?:\/\/[^\s/]+/.test(endpoint))
    throw new CliError(`--endpoint must be an http(s) URL, got ${endpoint}.`);
  return endpoint;
};

/** The key part of `--key` / NOTIFIER_API_KEY (a list of bare keys or `name:scope:key` entries); '' when none. */
const keyOf = (values: Values, io: CliIo): string => {
  const entry =
    String(values.key ?? io.env.NOTIFIER_API_KEY ?? '')
      .split(',')[0]
      ?.trim() ?? '';
  return entry.split(':').at(-1) ?? '';
};

/** `notifier slack press <action> <task_id> …`. */
const runSlackPress = async (values: Values, args: string[], io: CliIo): Promise<number> => {
  const [command, action, taskId, ...extra] = args;
  if (command !== 'press' || action === undefined || taskId === undefined || extra.length > 0) {
    throw new CliError(
      `Usage: notifier slack press stop|rerun|rollback <task_id> --channel … --user …\n\n${USAGE}`,
    );
  }
  const misplaced = Object.keys(values).filter(
    (name) => !GLOBAL.includes(name) && !ALLOWED.press?.includes(name),
  );
  if (misplaced.length > 0) throw new CliError(`slack press does not take --${misplaced.join(', --')}.`);
  const endpoint = endpointOf(values, io);
  const key = keyOf(values, io);
  const fetcher = io.fetch ?? fetch;
  const api =
    key === '' ? null : new ApiClient({ endpoint, key, fetch: fetcher, timeoutMs: io.timeoutMs ?? 30_000 });
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const lines: string[] = [];
  const answer = await slackPress(
    { env: io.env, fetch: fetcher, endpoint, api },
    (line) => lines.push(line),
    action,
    taskId,
    {
      record: text('record'),
      channel: text('channel'),
      user: text('user'),
      team: text('team'),
      signingSecretFile: text('signing-secret-file'),
      curl: values.curl === true,
    },
  );
  if (values.json === true) io.stdout(JSON.stringify(answer, null, 2));
  else for (const line of lines) io.stdout(line);
  return 0;
};

/** Runs one CLI invocation; resolves with the process exit code. */
export const runCli = async (argv: string[], io: CliIo): Promise<number> => {
  try {
    let parsed: ReturnType<
      typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
    >;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help === true || positionals.length === 0) {
      io.stdout(USAGE);
      return 0;
    }
    const [group, command, taskId, ...extra] = positionals;
    if (group === 'slack') return await runSlackPress(values, positionals.slice(1), io);
    if (group !== 'tasks' || command === undefined || command === 'press' || !(command in ALLOWED)) {
      throw new CliError(`Unknown command: ${positionals.slice(0, 2).join(' ')}\n\n${USAGE}`);
    }
    const needsId = command !== 'list';
    if (needsId && taskId === undefined)
      throw new CliError(`tasks ${command} needs a <task_id>.\n\n${USAGE}`);
    if ((needsId ? extra.length : [taskId, ...extra].filter(Boolean).length) > 0) {
      throw new CliError(`Too many arguments for tasks ${command}.\n\n${USAGE}`);
    }
    const misplaced = Object.keys(values).filter(
      (name) => !GLOBAL.includes(name) && !ALLOWED[command]?.includes(name),
    );
    if (misplaced.length > 0)
      throw new CliError(`tasks ${command} does not take --${misplaced.join(', --')}.`);

    const endpoint = values.endpoint ?? io.env.NOTIFIER_ENDPOINT ?? DEFAULT_ENDPOINT;
    if (!/^https?:\/\/[^\s/]+/.test(endpoint))
      throw new CliError(`--endpoint must be an http(s) URL, got ${endpoint}.`);
    // The server accepts a comma-separated list of keys, each bare or `name:scope:key`; a client needs only the
    // key of one of them (a key never holds a colon).
    const entry = (values.key ?? io.env.NOTIFIER_API_KEY ?? '').split(',')[0]?.trim() ?? '';
    const key = entry.split(':').at(-1) ?? '';
    if (key === '')
      throw new CliError(
        'No API key: pass --key or set NOTIFIER_API_KEY (`npm start` prints the local one).',
      );

    const api = new ApiClient({ endpoint, key, fetch: io.fetch ?? fetch, timeoutMs: io.timeoutMs ?? 30_000 });
    const lines: string[] = [];
    const print: Print = (line) => lines.push(line);
    const id = taskId ?? '';
    let answer: unknown;
    switch (command) {
      case 'add':
        answer = await addTask(api, print, id, {
          channel: values.channel,
          notify: values.notify,
          mode: values.mode,
          mentions: values.mention ?? [],
          operators: values.operator ?? [],
          region: values.region,
        });
        break;
      case 'list':
        answer = await listTasks(api, print);
        break;
      case 'show':
        answer = await showTask(api, print, id);
        break;
      case 'remove':
        answer = await removeTask(api, print, id, values.channel);
        break;
    }
    if (values.json === true) io.stdout(JSON.stringify(answer, null, 2));
    else for (const line of lines) io.stdout(line);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`notifier: ${error.message}`);
      return 1;
    }
    io.stderr(`notifier: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
};
