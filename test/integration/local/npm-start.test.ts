// `npm start` as a user runs it: a child process pointed (by environment only) at a test-owned CodeArts
// simulator and fake Slack. It registers a task over HTTP, follows a run into Slack, is killed with
// SIGKILL mid-run, and on restart with the same data directory finishes the story: one living message,
// every change once, nothing missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeArtsSimulator, SystemClock } from '../../../local/codearts-simulator/index.js';
import { FakeSlack, type FakeSlackMessage } from '../../../local/fake-slack/index.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const API_KEY = 'local-test-key-0123456789abcdef';
const CHANNEL = 'C0DEPLOYS1';
const STEPS = [
  { name: 'Fetch Artifact', durationMs: 2_000 },
  { name: 'Stop Service', durationMs: 6_000 },
  { name: 'Start Service', durationMs: 6_000 },
  { name: 'Health Check', durationMs: 4_000 },
];

/** Polls `check` until it returns something truthy; generous timeouts, because a loaded 2-core box is slow. */
async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

describe('npm start (the whole service in one process)', () => {
  let sim: CodeArtsSimulator;
  let slack: FakeSlack;
  let dataDir: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];
  const transcript: string[] = [];

  beforeAll(async () => {
    sim = await CodeArtsSimulator.start({ clock: new SystemClock() });
    slack = await FakeSlack.start({ token: 'xoxb-local-test' });
    dataDir = mkdtempSync(join(tmpdir(), 'notifier-local-'));
    // Only what the child needs, so the developer's own settings cannot leak into the test.
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'SystemRoot'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]]] : [],
      ),
    );
    env = {
      ...inherited,
      CODEARTS_ENDPOINT: sim.url,
      HUAWEI_IAM_ENDPOINT: sim.url,
      HUAWEI_AUTH_TOKEN: sim.issueToken(),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url,
      PORT: '0',
      NOTIFIER_DATA_DIR: dataDir,
      NOTIFIER_API_KEY: API_KEY,
      POLL_INTERVAL_SECONDS: '8',
      ACTIVE_POLL_SECONDS: '1',
      NO_COLOR: '1',
    };
  });

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sim?.stop();
    await slack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<Started> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const record = (chunk: Buffer) => {
      output += chunk.toString();
      transcript.push(chunk.toString());
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const url = await waitFor(
      'the API address on stdout',
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
        return /^API listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
      },
      40_000,
    );
    return { child, url, output: () => output, exited };
  }

  const top = (): FakeSlackMessage[] => slack.messages(CHANNEL).filter((m) => m.threadTs === null);
  const replies = (parent: FakeSlackMessage): FakeSlackMessage[] => slack.thread(CHANNEL, parent.ts).slice(1);

  it('posts a run step by step, survives SIGKILL mid-run, and finishes it after a restart without duplicates', async () => {
    try {
      const { taskId } = sim.createTask({ name: 'checkout-api', steps: STEPS });

      // ── First life: register over HTTP, watch the run begin in Slack ──────────────────────────────
      const first = await start();
      const health = await fetch(`${first.url}/health`);
      expect(health.status).toBe(200);
      const registered = await fetch(`${first.url}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task_id: taskId, channel: CHANNEL }),
      });
      expect(registered.status, await registered.clone().text()).toBeLessThan(300);
      expect(await registered.json()).toMatchObject({
        task: { task_id: taskId, name: 'checkout-api' },
        verified: true,
      });

      sim.startRun(taskId, { pendingMs: 1000 });
      const living = await waitFor(
        'the living message and a first thread reply',
        () => {
          const [message] = top();
          return message && replies(message).length > 0 ? message : undefined;
        },
        40_000,
      );
      expect(living.metadata?.event_type).toBe('codearts_run');
      expect(replies(living)[0]?.text).toContain('Fetch Artifact finished');

      // ── Killed without warning while the deployment is still running ──────────────────────────────
      const [truth] = sim.runs(taskId);
      expect(truth?.status, 'the run should still be going when the process dies').toBe('running');
      first.child.kill('SIGKILL');
      await first.exited;

      // ── Second life, same data directory: the run is finished in the same message and thread ───────
      const second = await start();
      const finished = await waitFor(
        'the run-finished reply',
        () => replies(living).find((reply) => reply.text.includes('Deployment succeeded')),
        45_000,
      );
      expect(finished).toBeDefined();

      // One living message, edited in place through to the end (the killed process's delivery claims lapse
      // first, so the changes made meanwhile may arrive in one edit).
      expect(top()).toHaveLength(1);
      const final = slack.messages(CHANNEL).find((m) => m.ts === living.ts)!;
      expect(final.edits.length).toBeGreaterThanOrEqual(1);
      expect(final.edits.at(-1)?.text).toContain('deployment succeeded');

      // Every change exactly once across the thread: no duplicate, nothing missing.
      const thread = replies(living)
        .map((m) => m.text)
        .join('\n');
      for (const step of STEPS) {
        expect(
          thread.split(`${step.name} finished`).length - 1,
          `"${step.name} finished" in:\n${thread}`,
        ).toBe(1);
      }
      expect(thread.split('Deployment succeeded').length - 1).toBe(1);
      // A reply made just before the kill may be followed by one continuing its batch (same key, later
      // toSeq: the outbox found the first and sent only the rest); no two may cover the same changes.
      const covered = replies(living).map(
        (m) => `${m.metadata?.event_payload.key}/${m.metadata?.event_payload.toSeq}`,
      );
      expect(new Set(covered).size).toBe(covered.length);
      // Nothing was refused by Slack along the way.
      expect(slack.calls.filter((call) => !call.ok)).toEqual([]);

      // ── Ctrl-C (SIGTERM) stops cleanly ────────────────────────────────────────────────────────────
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } catch (error) {
      // The child's own account of what happened is the quickest way to a cause.
      throw new Error(`${String(error)}\n--- npm start output ---\n${transcript.join('')}`, { cause: error });
    }
  }, 120_000);
});
