// Slack faults: outages, rate limiting, permanently broken channels, a revoked token.
import { type Figures, Fleet, runScenario } from '../support/fleet.js';

const FOREVER = 1e9;

/** 5xx, then hung requests (past the client timeout), then 502s, over several cycles in the middle of the runs. */
export async function slackOutage(): Promise<Figures> {
  return runScenario(await Fleet.start({ seed: 11 }), 'Slack outage: 5xx, timeouts, hangs', async (fleet) => {
    const { slack } = fleet.rig;
    await fleet.play({
      minCycles: 12,
      maxCycles: 12,
      before: (i) => {
        if (i === 2) slack.inject({ kind: 'http-error', status: 503, times: FOREVER });
        if (i === 5) {
          slack.clearFaults();
          slack.inject({ kind: 'hang', times: 6 });
          slack.inject({ kind: 'http-error', status: 500, times: FOREVER });
        }
        if (i === 8) {
          slack.clearFaults();
          slack.inject({ kind: 'hang', method: 'chat.postMessage', times: 3 });
          slack.inject({ kind: 'http-error', status: 502, times: FOREVER });
        }
      },
    });
    slack.clearFaults();
    return fleet.recover();
  });
}

/** Storms of HTTP 429 with Retry-After on every kind of call, some channels harder hit than others. */
export async function slackRateLimits(): Promise<Figures & { limited: number; callsWhilePaused: number }> {
  const fleet = await Fleet.start({ seed: 12 });
  const figures = await runScenario(fleet, 'Slack 429 storms with Retry-After', async () => {
    const { slack } = fleet.rig;
    const channels = [...new Set(fleet.subscriptions.map((s) => s.channel))];
    await fleet.play({
      minCycles: 14,
      maxCycles: 14,
      before: (i) => {
        if (i < 2) return;
        slack.inject({ kind: 'rate-limit', retryAfter: 1 + (i % 5), times: 4 });
        slack.inject({
          kind: 'rate-limit',
          retryAfter: 30,
          channel: channels[i % channels.length]!,
          times: 3,
        });
        slack.inject({ kind: 'rate-limit', retryAfter: 2, method: 'conversations.replies', times: 2 });
      },
    });
    slack.clearFaults();
    return fleet.recover();
  });
  // A worker that met a 429 leaves that limit (posting in the channel, or editing, or lookups) alone until
  // Retry-After (simulated time stands still within a cycle, and the next cycle comes after any real tick's
  // Retry-After): no call of that worker under that limit at the same instant after the 429. Other workers learn of
  // the pause from the fleet's gates before their next delivery; one already under way may meet a 429 of its own.
  const calls = fleet.rig.slack.calls;
  const log = fleet.rig.slackLog;
  let callsWhilePaused = 0;
  for (const limited of log.filter((entry) => entry.rateLimited)) {
    // Calls started once the 429 was known (calls already in flight beside it could not know).
    callsWhilePaused += log.filter(
      (c) =>
        c.worker === limited.worker &&
        c.limit === limited.limit &&
        c.at === limited.at &&
        c.started > limited.answered,
    ).length;
  }
  return { ...figures, limited: calls.filter((c) => c.status === 429).length, callsWhilePaused };
}

const BROKEN_CODES = ['channel_not_found', 'not_in_channel', 'is_archived'] as const;

/** One channel per task refuses for good, beside two healthy ones that must get everything. */
export async function slackBrokenChannels(): Promise<{
  figures: Figures;
  broken: Array<{ expected: string; actual: string | undefined }>;
  healthyBroken: number;
}> {
  const fleet = await Fleet.start({
    seed: 13,
    channels: (t) => [
      { channel: `CR13T${t % 2}`, mode: 'thread' },
      { channel: 'CR13M0', mode: 'messages' },
      { channel: `CR13X${t}`, mode: t % 2 === 0 ? 'thread' : 'messages', broken: true },
    ],
  });
  const broken: Array<{ expected: string; actual: string | undefined }> = [];
  let healthyBroken = 0;
  const figures = await runScenario(fleet, 'Slack channel broken for good beside healthy ones', async (f) => {
    f.tasks.forEach((_, t) => {
      f.rig.slack.inject({ kind: 'platform-error', error: BROKEN_CODES[t % 3]!, channel: `CR13X${t}` });
    });
    await f.play();
    const recovery = await f.recover();
    for (const [t, task] of f.tasks.entries()) {
      const record = await f.rig.store.getTask(task.taskId);
      broken.push({
        expected: BROKEN_CODES[t % 3]!,
        actual: record?.subscriptions[`CR13X${t}`]?.broken?.code,
      });
      healthyBroken += Object.values(record?.subscriptions ?? {}).filter(
        (s) => s.broken !== null && !s.channel.startsWith('CR13X'),
      ).length;
    }
    return recovery;
  });
  return { figures, broken, healthyBroken };
}

/** The bot token stops working (revoked, then invalid_auth) for several cycles, then works again. */
export async function slackTokenRevoked(): Promise<Figures> {
  return runScenario(await Fleet.start({ seed: 14 }), 'Slack token revoked, then restored', async (fleet) => {
    const { slack } = fleet.rig;
    await fleet.play({
      minCycles: 12,
      maxCycles: 12,
      before: (i) => {
        if (i === 2) slack.revokeToken();
        if (i === 6) {
          slack.restoreToken();
          slack.inject({ kind: 'platform-error', error: 'invalid_auth', times: FOREVER });
        }
      },
    });
    slack.clearFaults();
    slack.restoreToken();
    return fleet.recover();
  });
}

/**
 * Slack's own limits at scale: 300 tasks deploying in 3 channels while the fake Slack enforces about one post a
 * second per channel and 50 edits a minute for the workspace, with three workers at once. Edits and replies are
 * refused with 429 and Retry-After again and again; every run's living message must still end on the run's final
 * state, and every transition be told once.
 */
export async function slackWorkspaceLimits(): Promise<Figures & { limited: number; updates: number }> {
  const fleet = await Fleet.start({
    seed: 15,
    tasks: 300,
    runsPerTask: 1,
    startEveryMs: 1_000,
    channels: (t) => [{ channel: `CL15T${t % 3}`, mode: 'thread' }],
    rig: {
      workers: 3,
      callsPerWorker: 4,
      batchSize: 20,
      // The rig's clock stands still while a cycle works: a bucket may save up one cycle's worth (10 s).
      slackLimits: { postsPerSecondPerChannel: 1, updatesPerMinute: 50, burstSeconds: 10 },
    },
  });
  const figures = await runScenario(
    fleet,
    'Slack limits: 300 tasks, 3 channels, 1 post/s, 50 edits/min',
    async (f) => {
      await f.play({ maxCycles: 400 });
      return f.recover(60);
    },
  );
  const calls = fleet.rig.slack.calls;
  return {
    ...figures,
    limited: calls.filter((c) => c.status === 429).length,
    updates: calls.filter((c) => c.method === 'chat.update' && c.ok).length,
  };
}
