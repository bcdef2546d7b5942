// The small parts of `npm start` that decide behaviour a user relies on: the planner timer's pacing and
// shutdown, the generated API key, the data directory claim, and the demo defaults.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config.js';
import { loadOrCreateApiKey } from '../../../local/run/api-key.js';
import { DataDirInUseError, lockDataDir } from '../../../local/run/data-dir.js';
import { localSettings, tickBudgetMs } from '../../../local/run/settings.js';
import { TickLoop, type TickOptions } from '../../../local/run/tick-loop.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-run-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const report = () => ({ planned: true });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('the planner timer', () => {
  it('runs a tick at once, then every interval, never two at once, each with its budget and scheduled time', async () => {
    let running = 0;
    let overlapped = false;
    const deadlines: number[] = [];
    const starts: number[] = [];
    const scheduled: string[] = [];
    const loop = new TickLoop(
      async (options: TickOptions) => {
        starts.push(Date.now());
        scheduled.push(options.scheduledTime);
        deadlines.push(options.deadlineMs - Date.now());
        running++;
        if (running > 1) overlapped = true;
        await sleep(120); // longer than the interval: the next tick must wait for this one
        running--;
        return report();
      },
      { intervalMs: 50, budgetMs: 1000 },
    );
    loop.start();
    await sleep(450);
    await loop.stop();
    expect(overlapped).toBe(false);
    expect(loop.cycles).toBeGreaterThanOrEqual(2);
    for (const budget of deadlines) expect(budget).toBeGreaterThan(900);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(115);
    // Each tick has a scheduled time of its own, later than the last: the planner's tick IDs.
    expect([...scheduled].sort()).toEqual(scheduled);
    expect(new Set(scheduled).size).toBe(scheduled.length);
  });

  it('stops by aborting the running cycle and waiting for it, but not forever', async () => {
    let sawAbort = false;
    const polite = new TickLoop(
      (options) =>
        new Promise<{ planned: boolean }>((resolve) => {
          options.signal?.addEventListener('abort', () => {
            sawAbort = true;
            resolve(report());
          });
        }),
      { intervalMs: 10_000, budgetMs: 5_000 },
    );
    polite.start();
    await sleep(30);
    await polite.stop(2_000);
    expect(sawAbort).toBe(true);

    const stubborn = new TickLoop(() => new Promise<{ planned: boolean }>(() => {}), {
      intervalMs: 10_000,
      budgetMs: 5_000,
    });
    stubborn.start();
    await sleep(30);
    const began = Date.now();
    await stubborn.stop(200);
    expect(Date.now() - began).toBeLessThan(1_000);
  });

  it('reports a failed tick and carries on with the next', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const loop = new TickLoop(
      async () => {
        calls++;
        if (calls === 1) throw new Error('store unreachable');
        return report();
      },
      { intervalMs: 20, budgetMs: 1_000, onError: (error) => errors.push(error) },
    );
    loop.start();
    await sleep(150);
    await loop.stop();
    expect(errors).toHaveLength(1);
    expect(calls).toBeGreaterThan(1);
  });

  it('gives a tick a little less than the interval, at most a Lambda planner’s 50 s', () => {
    expect(tickBudgetMs(60)).toBe(50_000);
    expect(tickBudgetMs(15)).toBe(14_000);
    for (const interval of [5, 6, 8, 10, 3600]) {
      expect(tickBudgetMs(interval)).toBeGreaterThanOrEqual(1_000);
      expect(tickBudgetMs(interval)).toBeLessThan(interval * 1000);
    }
  });
});

describe('local settings', () => {
  it('runs the demo at a brisk pace unless told otherwise, and the real thing at the configured one', () => {
    const cwd = join(tmpdir(), 'a-project');
    const demo = localSettings(parseConfig({}), {}, cwd);
    expect(demo).toMatchObject({
      demo: true,
      terminalSlack: true,
      dataDir: join(cwd, '.notifier'),
      tableName: 'notifier',
      pollIntervalSeconds: 15,
      activePollSeconds: 3,
      demoPacing: true,
    });
    const env = {
      CODEARTS_ENDPOINT: 'http://127.0.0.1:1',
      HUAWEI_AUTH_TOKEN: 't',
      SLACK_BOT_TOKEN: 'xoxb-1',
      NOTIFIER_DATA_DIR: 'data',
    };
    expect(localSettings(parseConfig(env), env, cwd)).toMatchObject({
      demo: false,
      terminalSlack: false,
      dataDir: join(cwd, 'data'),
      pollIntervalSeconds: 60,
      activePollSeconds: 10,
      demoPacing: false,
    });
    const paced = { POLL_INTERVAL_SECONDS: '30', ACTIVE_POLL_SECONDS: '5' };
    expect(localSettings(parseConfig(paced), paced, cwd)).toMatchObject({
      pollIntervalSeconds: 30,
      activePollSeconds: 5,
      demoPacing: false,
    });
  });
});

describe('the local API key', () => {
  it('is generated once, kept owner-only, and reused', () => {
    const dir = tempDir();
    const first = loadOrCreateApiKey([], dir);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(first.file).toBe(join(dir, 'api-key'));
    expect(statSync(join(dir, 'api-key')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateApiKey([], dir).key).toBe(first.key);
    expect(readFileSync(join(dir, 'api-key'), 'utf8').trim()).toBe(first.key);
  });

  it('comes from NOTIFIER_API_KEY when set, and nothing is written', () => {
    const dir = tempDir();
    const keys = [
      { name: 'dashboard', scope: 'read' as const, key: 'r'.repeat(20) },
      { name: 'ci', scope: 'write' as const, key: 'k'.repeat(20) },
      { name: 'old', scope: 'write' as const, key: 'j'.repeat(20) },
    ];
    // The key shown in examples is the first that may write.
    expect(loadOrCreateApiKey(keys, dir)).toEqual({ keys, key: 'k'.repeat(20), file: null });
    expect(() => statSync(join(dir, 'api-key'))).toThrow();
  });
});

describe('the data directory', () => {
  it('belongs to one npm start at a time, and is taken over from one that died', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(lock.tookOverFromDeadProcess).toBe(false);
    lock.release();

    // Another live process holds it (the parent of this test process is alive and is not us).
    writeFileSync(join(dir, 'npm-start.pid'), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);

    // A pid that is not running: a crash left the file behind.
    writeFileSync(join(dir, 'npm-start.pid'), '2147483646\n');
    const taken = lockDataDir(dir);
    expect(taken.tookOverFromDeadProcess).toBe(true);
    expect(readFileSync(join(dir, 'npm-start.pid'), 'utf8').trim()).toBe(String(process.pid));
    taken.release();
    expect(() => statSync(join(dir, 'npm-start.pid'))).toThrow();
  });

  it('is made owner-only at every start, even when it already existed with a wider mode', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const lock = lockDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    lock.release();
  });
});
