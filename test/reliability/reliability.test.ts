// Reliability: many deployments through the real planner and workers (their Lambda handlers), dynalite, the CodeArts
// simulator and the fake Slack, under faults, on a manual clock. Every scenario checks the whole Slack record against the
// simulator's ground truth: every transition delivered, in order, exactly once per subscription.
// The figures of all scenarios are printed as one table at the end.
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzedStateAnswers } from './scenarios/bad-input.js';
import { checkerSelfTest, noFaults } from './scenarios/baseline.js';
import {
  type FeedFigures,
  feedFlapping,
  feedHealthy,
  feedLagging,
  feedLargeProject,
  feedOmitsAnApplication,
  feedRefusedForAnHour,
  feedRunsBetweenReads,
  SWEEP_CYCLES,
} from './scenarios/change-feed.js';
import {
  codeartsBadBodies,
  codeartsExpiredTokens,
  codeartsHangs,
  codeartsOutageShorterRuns,
  codeartsRecordVanishes,
  codeartsServerErrors,
  codeartsTaskDeleted,
  codeartsThrottled,
} from './scenarios/codearts.js';
import {
  dynamoConditionalFailures,
  dynamoStaleListing,
  dynamoThrottling,
  dynamoTimeouts,
  dynamoWritesRefusedShorterRuns,
} from './scenarios/dynamodb.js';
import {
  crashAtEveryBoundary,
  duplicatedAndReordered,
  plannerTwiceAndRetried,
  redeliveredAfterTimeout,
} from './scenarios/process.js';
import {
  slackBrokenChannels,
  slackOutage,
  slackRateLimits,
  slackTokenRevoked,
  slackWorkspaceLimits,
} from './scenarios/slack.js';
import { lostResponses } from './scenarios/unknown-outcome.js';
import type { Figures } from './support/fleet.js';
import { figuresTable } from './support/report.js';

const rows: Figures[] = [];

afterAll(() => {
  if (rows.length > 0) console.log(`\nReliability figures\n\n${figuresTable(rows)}\n`);
});

/** `unseen`: whether runs never shown by /state are part of the scenario (found through the history API). */
function expectComplete(figures: Figures, options: { unseen?: boolean } = {}): void {
  rows.push(figures);
  expect(figures.problems, figures.problems.slice(0, 20).join('\n')).toEqual([]);
  // Elsewhere each fault is meant to be seen through /state; a run only history shows would test something else.
  if (!options.unseen) expect(figures.unseen, 'runs /state never showed: lengthen minVisibleMs').toBe(0);
  expect(figures.lost).toBe(0);
  expect(figures.duplicated).toBe(0);
  expect(figures.expected).toBeGreaterThan(0);
  expect(figures.delivered).toBe(figures.expected);
  expect(figures.recoveryCycles).toBeLessThan(Number.POSITIVE_INFINITY);
}

function scenario(name: string, play: () => Promise<Figures>, timeout = 60_000) {
  it(name, async () => expectComplete(await play()), timeout);
}

describe('reliability', () => {
  it('the checker counts a copied reply as a duplicate and a missing one as lost', async () => {
    const { clean, duplicated, lost } = await checkerSelfTest();
    expect(clean.problems).toEqual([]);
    expect(clean.lost + clean.duplicated).toBe(0);
    expect(duplicated.duplicated).toBeGreaterThanOrEqual(1);
    expect(lost.lost).toBeGreaterThanOrEqual(1);
  });

  scenario('control: no faults', noFaults);

  describe('Slack faults', () => {
    scenario('outage: 5xx, timeouts, hangs', slackOutage);
    it('429 storms with Retry-After', async () => {
      const figures = await slackRateLimits();
      expectComplete(figures);
      expect(figures.limited).toBeGreaterThanOrEqual(15);
      expect(figures.callsWhilePaused).toBe(0);
    }, 60_000);
    it('a channel broken for good (channel_not_found, not_in_channel, is_archived) beside healthy ones', async () => {
      const { figures, broken, healthyBroken } = await slackBrokenChannels();
      expectComplete(figures);
      for (const b of broken) expect(b.actual).toBe(b.expected);
      expect(healthyBroken).toBe(0);
    }, 60_000);
    scenario('token revoked (token_revoked, invalid_auth), then restored', slackTokenRevoked);
    it('300 tasks in 3 channels under Slack’s limits (1 post/s a channel, 50 edits/min): every living message ends on its run’s final state', async () => {
      const figures = await slackWorkspaceLimits();
      expectComplete(figures);
      expect(figures.runs).toBe(300);
      expect(figures.limited).toBeGreaterThan(50);
    }, 180_000);
  });

  describe('CodeArts faults', () => {
    it('tokens expire mid-run (password auth): refreshed once and retried, no poll fails', async () => {
      const figures = await codeartsExpiredTokens();
      expectComplete(figures);
      expect(figures.iamLogins).toBeGreaterThan(3);
      expect(figures.pollFailures).toBe(0);
    }, 60_000);
    it('429 APIG.0308: the whole fleet waits, then tries again', async () => {
      const figures = await codeartsThrottled();
      expectComplete(figures);
      expect(figures.throttled).toBeGreaterThan(10);
      expect(figures.waited).toBeGreaterThan(0);
    }, 60_000);
    it('5xx outage: living messages say "monitoring stale", and recovery clears it', async () => {
      const figures = await codeartsServerErrors();
      expectComplete(figures);
      expect(figures.staleShown).toBeGreaterThan(0);
      expect(figures.staleLeft).toBe(0);
    }, 60_000);
    it('an outage longer than the runs: runs /state never showed are found in the history, in full, once', async () => {
      const figures = await codeartsOutageShorterRuns();
      expectComplete(figures, { unseen: true });
      expect(figures.unseen).toBeGreaterThan(5);
      expect(figures.historyCalls).toBeGreaterThan(0);
    }, 60_000);
    scenario('hangs past the timeout', codeartsHangs);
    scenario('HTML and malformed bodies', codeartsBadBodies);
    it('a task deleted while watched: one notice per channel, watch gone, no crash', async () => {
      const { figures, gone, notices, failedCycles } = await codeartsTaskDeleted();
      expectComplete(figures);
      expect(gone).toBe(true);
      expect(notices).toEqual([1, 1]);
      expect(failedCycles).toBe(0);
    }, 60_000);
    it('a run record disappears (a later run follows, an older run is latest again, no run is left): ended once, as unknown', async () => {
      const figures = await codeartsRecordVanishes();
      expectComplete(figures);
      // Mid-way through task 0, the last run of task 3, and every run of task 2.
      expect(figures.vanished).toEqual(
        expect.arrayContaining(['task 0 run 2', 'task 3 run 4', 'task 2 run 0', 'task 2 run 4']),
      );
    }, 60_000);
  });

  describe('Process and transport faults', () => {
    it('a worker killed at every step boundary (after the read, the CodeArts answer, the state write, a Slack post, before marking delivered, after the gates)', async () => {
      const figures = await crashAtEveryBoundary();
      expectComplete(figures);
      for (const point of [
        'after:store.getTask',
        'after-fetch',
        'after-state-write',
        'after-slack-post',
        'before-mark-delivered',
        'after:gates.read',
      ]) {
        expect(figures.crashesAt[point], point).toBeGreaterThanOrEqual(2);
      }
    }, 120_000);
    it('four workers at once, every message delivered twice and out of order', async () => {
      const figures = await duplicatedAndReordered();
      expectComplete(figures);
      expect(figures.duplicatedMessages).toBeGreaterThan(50);
      expect(figures.concurrentPolls).toBeGreaterThan(5);
    }, 90_000);
    it('answers lost: messages received again after the visibility timeout, long after their tick', async () => {
      const figures = await redeliveredAfterTimeout();
      expectComplete(figures);
      expect(figures.lostAnswers).toBeGreaterThan(10);
      expect(figures.redelivered).toBeGreaterThan(10);
    }, 90_000);
    it('the planner invoked twice per tick, and killed half-way then retried: each tick planned once, in full', async () => {
      const figures = await plannerTwiceAndRetried();
      expectComplete(figures);
      expect(figures.skipped).toBeGreaterThan(10);
      expect(figures.retried).toBeGreaterThan(3);
    }, 90_000);
  });

  describe('Delivery whose outcome is unknown', () => {
    it('lost answers on living messages, thread replies, channel posts, edits and lookups: no duplicates', async () => {
      const figures = await lostResponses();
      expectComplete(figures);
      // Every kind of call lost some answers: the living message, thread replies, channel posts (mode
      // messages), edits, and the metadata lookups themselves.
      for (const [kind, n] of Object.entries(figures.lostAnswers)) expect(n, kind).toBeGreaterThanOrEqual(3);
      expect(figures.relinked).toBe(1);
      expect(figures.replacementAnswerLost).toBe(true);
    }, 60_000);
  });

  describe('DynamoDB faults', () => {
    it('throttling (task writes, reads, the listing, the lease)', async () => {
      const figures = await dynamoThrottling();
      expectComplete(figures);
      // A refused listing or lease fails that invocation (the next tick retries); it must not lose anything.
      expect(figures.failedCycles).toBeGreaterThan(0);
    }, 60_000);
    it('conditional-check failures (injected, and a competing registration write that must not be undone)', async () => {
      const figures = await dynamoConditionalFailures();
      expectComplete(figures);
      expect(figures.competingWrites).toBeGreaterThan(10);
      expect(figures.registrationsKept).toBe(true);
    }, 60_000);
    scenario('timeouts before and after the write, with in-cycle re-polling', dynamoTimeouts);
    scenario('a stale (eventually consistent) task listing while Slack loses answers', dynamoStaleListing);
    it('every task write refused for longer than the runs: the runs never stored are found in the history', async () => {
      const figures = await dynamoWritesRefusedShorterRuns();
      expectComplete(figures, { unseen: true });
      expect(figures.faults).toBeGreaterThan(10);
    }, 60_000);
  });

  describe('Bad input', () => {
    it('fuzzed /state answers never crash a cycle nor touch the stored record; the runs are still reported', async () => {
      const figures = await fuzzedStateAnswers();
      expectComplete(figures);
      expect(figures.answers).toBe(60);
      expect(Object.keys(figures.kinds).length).toBeGreaterThanOrEqual(8);
    }, 60_000);
  });

  describe('Change feed faults (CHANGE_FEED=on)', () => {
    /** Complete, and every fault recovered within a sweep. */
    const feedComplete = (figures: FeedFigures, options: { unseen?: boolean } = {}) => {
      expectComplete(figures, options);
      expect(figures.recoveryCycles).toBeLessThanOrEqual(SWEEP_CYCLES + 1);
    };
    it('a healthy feed: changes polled because the feed moved, far fewer polls than every task every tick', async () => {
      const figures = await feedHealthy();
      feedComplete(figures);
      expect(figures.reasons.feed).toBeGreaterThan(10);
      expect(figures.reasons.sweep).toBeGreaterThan(5);
      expect(figures.queued).toBeLessThan(figures.everyTaskEveryTick * 0.7);
      expect(figures.fallbackTicks).toBe(0);
    }, 60_000);
    // A run the feed shows late (or never) may come and go before its task is polled: the history reports it.
    it('the feed lags /state by 2 minutes', async () => {
      feedComplete(await feedLagging(), { unseen: true });
    }, 60_000);
    it('the feed omits an application: its task is still swept', async () => {
      const figures = await feedOmitsAnApplication();
      feedComplete(figures, { unseen: true });
      expect(figures.reasons.sweep).toBeGreaterThan(0);
    }, 60_000);
    it('the feed refused for an hour (403, 404 APIG.0101, malformed, slow): every task polled directly meanwhile', async () => {
      const figures = await feedRefusedForAnHour();
      feedComplete(figures, { unseen: true });
      expect(figures.fallbackTicks).toBeGreaterThanOrEqual(59);
      expect(figures.reasons.direct).toBeGreaterThan(100);
    }, 120_000);
    it('the feed flips between working and failing', async () => {
      const figures = await feedFlapping();
      feedComplete(figures);
      expect(figures.fallbackTicks).toBeGreaterThan(3);
    }, 60_000);
    it('a project of 1,000 applications with 2 watched', async () => {
      feedComplete(await feedLargeProject());
    }, 90_000);
    it('runs that start and end between two feed reads are reported from the history', async () => {
      const figures = await feedRunsBetweenReads();
      feedComplete(figures, { unseen: true });
      expect(figures.unseen).toBeGreaterThan(0);
    }, 60_000);
  });
});
