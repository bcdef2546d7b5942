// The `notifier` CLI, in-process, against the API served over real HTTP (dynalite + CodeArts simulator).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../bin/cli/main.js';
import { API_KEY } from '../../unit/api/fixtures.js';
import { type Stack, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

/** A port nothing listens on: taken from the OS, then released. */
const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

const run = async (argv: string[], env: Record<string, string | undefined> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env: { NOTIFIER_ENDPOINT: stack.url, NOTIFIER_API_KEY: API_KEY, ...env },
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    timeoutMs: 5_000,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('notifier CLI', () => {
  it('prints usage for --help and for no arguments', async () => {
    for (const argv of [['--help'], ['-h'], []]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      expect(out).toContain('notifier tasks add <task_id> --channel');
    }
  });

  it('adds, lists, shows and removes watches', async () => {
    const added = await run([
      'tasks',
      'add',
      stack.tasks.finished,
      '--channel',
      'C0123ABCD9',
      '--notify',
      'failures',
      '--mention',
      'U0123ABCD9',
      '--mention',
      'U0456EFGH9',
    ]);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    expect(added.out).toContain(`Watching gateway-prod (${stack.tasks.finished}, cn-north-4) in C0123ABCD9`);
    expect(added.out).toContain('notify failures, thread mode, mentioning U0123ABCD9 U0456EFGH9');
    expect(added.out).toMatch(/Current run: succeeded, started \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(added.out).toContain('[x] Select Deployment Source');

    expect(
      (
        await run([
          'tasks',
          'add',
          stack.tasks.finished,
          '--channel',
          'C0123ABCD9',
          '--notify',
          'failures',
          '--mention',
          'U0123ABCD9',
          '--mention',
          'U0456EFGH9',
        ])
      ).out,
    ).toContain('Already watching');
    const withOperators = await run([
      'tasks',
      'add',
      stack.tasks.running,
      '--channel',
      '#deploys',
      '--mode',
      'messages',
      '--operator',
      'U0123ABCD9',
      '--operator',
      'S0OPSGRP01',
    ]);
    expect(withOperators.code).toBe(0);
    expect(withOperators.out).toContain('messages mode; operators U0123ABCD9 S0OPSGRP01.');

    const list = await run(['tasks', 'list']);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.out.split('\n');
    expect(header).toMatch(/^TASK ID\s+NAME\s+REGION\s+LAST RUN\s+LAST POLL\s+HEALTH\s+CHANNELS$/);
    expect(rows).toHaveLength(2);
    expect(list.out).toContain('gateway-prod');
    expect(list.out).toContain('#deploys');

    const show = await run(['tasks', 'show', stack.tasks.running]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`billing-api (${stack.tasks.running}, cn-north-4)`);
    expect(show.out).toMatch(/CHANNEL\s+NOTIFY\s+MODE/);
    expect(show.out).toMatch(/#deploys\s+all\s+messages/);
    expect(show.out).toContain('Last run:');

    const json = await run(['tasks', 'show', stack.tasks.running, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ task: { task_id: stack.tasks.running } });

    const removed = await run(['tasks', 'remove', stack.tasks.running, '--channel', '#deploys']);
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.out).toContain('no longer watched anywhere');
  });

  it('says what the API said, with exit code 1', async () => {
    const notFound = await run(['tasks', 'show', 'f'.repeat(32)]);
    expect(notFound.code).toBe(1);
    expect(notFound.err).toContain('is not watched (404 task_not_found)');

    const bad = await run(['tasks', 'add', 'nope', '--channel', 'C0123ABCD9']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"task_id" must be the 32 hexadecimal characters');

    const gone = stack.sim.createTask({ name: 'doomed' }).taskId;
    stack.sim.deleteTask(gone);
    expect((await run(['tasks', 'add', gone, '--channel', 'C0123ABCD9'])).err).toContain('Deploy.00011020');
  });

  it('explains a refused key, a missing key and an unreachable endpoint', async () => {
    const refused = await run(['tasks', 'list', '--key', 'wrong']);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toContain('The API key was refused (401');

    const missing = await run(['tasks', 'list'], { NOTIFIER_API_KEY: undefined });
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toContain('No API key');

    const closed = await freePort();
    const unreachable = await run(['tasks', 'list', '--endpoint', `http://127.0.0.1:${closed}`]);
    expect(unreachable).toMatchObject({ code: 1 });
    expect(unreachable.err).toContain(
      `Cannot reach the notifier at http://127.0.0.1:${closed} (connection refused)`,
    );
  });

  it('uses the first of several comma-separated keys', async () => {
    expect((await run(['tasks', 'list'], { NOTIFIER_API_KEY: `${API_KEY},other` })).code).toBe(0);
  });

  it('takes the key out of a name:scope:key entry, as the server is configured', async () => {
    expect(
      (await run(['tasks', 'list'], { NOTIFIER_API_KEY: `ci:write:${API_KEY},x:read:other` })).code,
    ).toBe(0);
  });

  it.each([
    [['tasks', 'frob'], 'Unknown command'],
    [['jobs', 'list'], 'Unknown command'],
    [['tasks', 'add'], 'needs a <task_id>'],
    [['tasks', 'add', 'e700f15965694253940502911220d76b'], 'needs --channel'],
    [['tasks', 'list', 'extra'], 'Too many arguments'],
    [['tasks', 'list', '--channel', 'C1'], 'does not take --channel'],
    [['tasks', 'remove', 'x', '--notify', 'all'], 'does not take --notify'],
    [['tasks', 'list', '--bogus'], "Unknown option '--bogus'"],
    [['tasks', 'list', '--endpoint', 'localhost:3000'], 'must be an http(s) URL'],
  ])('rejects %j with a clear message', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(1);
    expect(err).toContain(message);
  });
});
