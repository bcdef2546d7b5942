// Property: whatever CodeArts reports (up to 500 steps, names up to 5,000 characters, any unicode, lone
// surrogates and markup included), every message we render fits Slack's limits and has a text fallback.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DigestFigures, RunSummary } from '../../../functions/core/insight/digest.js';
import type { InsightReport } from '../../../functions/core/insight/model.js';
import type {
  RunState,
  RunStatus,
  StepProgress,
  StepState,
  SubscriptionOptions,
  TaskEvent,
} from '../../../functions/core/model.js';
import { RUN_STATUSES, STEP_PROGRESSES } from '../../../functions/core/model.js';
import {
  planDelivery,
  type RenderContext,
  renderLivingMessage,
  slackLimitViolations,
} from '../../../functions/core/render/index.js';
import type { RenderInsight } from '../../../functions/core/render/insight.js';
import { renderReport } from '../../../functions/core/render/reports.js';
import type { SlackMessage } from '../../../functions/ports.js';

const STATUSES: readonly RunStatus[] = RUN_STATUSES;
const PROGRESS: readonly StepProgress[] = STEP_PROGRESSES;

/** Any UTF-16 unit, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const text = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 2, arbitrary: fc.string({ unit: anyUnit, maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ' ', '<!channel>', '&<>"\\|*_~`', '<@U123|x>', '\u0000\n\t'),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('"', '&', '<', '😀', 'x', '\\', '\uD800'),
          fc.integer({ min: Math.min(1000, maxLength), max: maxLength }),
        )
        .map(([c, n]) => c.repeat(Math.ceil(n / c.length)).slice(0, n)),
    },
  );

const isoDate = fc.option(
  fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
  { nil: null },
);

const stepArb = (index: number): fc.Arbitrary<StepState> =>
  fc.record({
    index: fc.constant(index),
    id: fc.constant(String(index)),
    name: text(5000),
    enabled: fc.boolean(),
    progress: fc.constantFrom(...PROGRESS),
    elapsed: fc.option(fc.double(), { nil: null }),
    currentOffset: fc.constant(null),
    faqUrl: fc.option(fc.oneof(fc.webUrl(), text(3000)), { nil: null }),
  });

const stepsArb: fc.Arbitrary<StepState[] | null> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => stepArb(i)))),
  // Many steps: short random names would make 500 full arbitraries slow; vary a few fields instead.
  fc
    .record({
      n: fc.integer({ min: 100, max: 500 }),
      focus: fc.nat(),
      name: text(5000),
      progress: fc.constantFrom(...PROGRESS),
    })
    .map(({ n, focus, name, progress }) =>
      Array.from({ length: n }, (_, i): StepState => {
        const f = focus % n;
        return {
          index: i,
          id: String(i),
          name: i % 3 === 0 ? name : `step ${i}`,
          enabled: true,
          progress: i < f ? 'done' : i === f ? progress : 'pending',
          elapsed: i <= f ? i * 7 : null,
          currentOffset: null,
          faqUrl: null,
        };
      }),
    ),
);

const runArb: fc.Arbitrary<RunState> = fc.record({
  recordId: text(200),
  taskId: fc.constant('418443e4c4034b54b0bd399412c6e168'),
  taskName: text(5000),
  status: fc.constantFrom(...STATUSES),
  rawStatus: text(300),
  stepsFinished: fc.boolean(),
  startedAt: isoDate,
  endedAt: isoDate,
  executor: text(5000),
  steps: stepsArb,
});

/** What insight adds: usual times (sometimes absurd), an expected end, a stuck step, the executor, fix links. */
const insightArb: fc.Arbitrary<RenderInsight> = fc.record({
  usualSeconds: fc.array(fc.option(fc.oneof(fc.nat(100_000), fc.double()), { nil: null }), {
    maxLength: 500,
  }),
  expectedEndAt: isoDate,
  stuckStep: fc.option(fc.nat(500), { nil: null }),
  executorUser: fc.option(fc.oneof(fc.stringMatching(/^[UW][A-Z0-9]{8,11}$/), text(50)), { nil: null }),
  fixedLink: fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true }), text(4000)), { nil: null }),
  fixedBy: fc.option(
    fc.record({
      recordId: text(200),
      endedAt: isoDate,
      link: fc.option(fc.oneof(fc.webUrl(), text(4000)), { nil: null }),
    }),
    { nil: null },
  ),
});

const ctxArb: fc.Arbitrary<RenderContext> = fc.record({
  taskName: text(5000),
  region: text(300),
  consoleUrl: fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), text(4000)), {
    nil: null,
  }),
  staleSince: isoDate,
  mentions: fc.array(fc.oneof(fc.stringMatching(/^[UW][A-Z0-9]{8,11}$/), text(50)), { maxLength: 30 }),
  now: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
  insight: insightArb,
});

/** Events consistent enough with the run: its steps' transitions, plus a start and an end. */
function eventsFor(run: RunState, finalStatus: RunStatus, duration: number | null): TaskEvent[] {
  const recordId = run.recordId;
  const events: TaskEvent[] = [{ type: 'run.started', recordId }];
  // Insight's additions ride along: every third step was stuck, and the run fixed earlier failures.
  const wasStuck = (i: number) => (i % 3 === 0 ? { wasStuck: { usualSeconds: i * 11 } } : {});
  for (const s of run.steps ?? []) {
    if (s.progress === 'done')
      events.push({
        type: 'step.finished',
        recordId,
        step: s.index,
        name: s.name,
        elapsed: s.elapsed,
        ...wasStuck(s.index),
      });
    if (s.progress === 'failed')
      events.push({
        type: 'step.failed',
        recordId,
        step: s.index,
        name: s.name,
        faqUrl: s.faqUrl,
        ...wasStuck(s.index),
      });
    if (s.progress === 'running') {
      events.push({ type: 'step.started', recordId, step: s.index, name: s.name });
      events.push({
        type: 'step.stuck',
        recordId,
        step: s.index,
        name: s.name,
        runningSeconds: 99_999_999,
        usualSeconds: s.index,
      });
    }
  }
  events.push({
    type: 'run.finished',
    recordId,
    status: finalStatus,
    durationSeconds: duration,
    fixes: { recordId: run.recordId.repeat(3), brokenSince: '2000-01-01T00:00:00.000Z', failedRuns: 123_456 },
  });
  return events;
}

const optionsArb: fc.Arbitrary<SubscriptionOptions> = fc.record({
  notify: fc.constantFrom('all', 'failures', 'status'),
  mode: fc.constantFrom('thread', 'messages'),
  mentions: fc.array(fc.oneof(fc.stringMatching(/^U[A-Z0-9]{8}$/), text(30)), { maxLength: 30 }),
});

/** Every string Slack parses as mrkdwn: the top-level text and each mrkdwn text object (headers are plain). */
function mrkdwnTexts(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) mrkdwnTexts(v, out);
  else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
    for (const v of Object.values(o)) mrkdwnTexts(v, out);
  }
  return out;
}

function expectSafe(message: SlackMessage): void {
  expect(slackLimitViolations(message)).toEqual([]);
  expect(message.text.trim()).not.toBe('');
  for (const t of [message.text, ...mrkdwnTexts(message)]) {
    // Only mentions we built, never a broadcast ping injected through data.
    expect(t).not.toMatch(/<!(channel|here|everyone)/);
    for (const m of t.matchAll(/<@([^>]*)>/g)) expect(m[1]).toMatch(/^[UW][A-Z0-9]+$/);
  }
  // No lone surrogates reach Slack.
  expect(JSON.stringify(message)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
}

describe('rendering stays within Slack limits (property)', () => {
  it('living message', () => {
    fc.assert(
      fc.property(runArb, ctxArb, (run, ctx) => {
        expectSafe(renderLivingMessage(run, ctx));
      }),
      { numRuns: 150 },
    );
  });

  it('every message of every delivery plan', () => {
    fc.assert(
      fc.property(
        runArb,
        ctxArb,
        optionsArb,
        fc.constantFrom(...STATUSES),
        fc.option(fc.double(), { nil: null }),
        fc.boolean(),
        (run, ctx, options, finalStatus, duration, previousRunFailed) => {
          const plan = planDelivery({
            run,
            events: eventsFor(run, finalStatus, duration),
            options,
            ctx,
            previousRunFailed,
          });
          for (const message of [plan.living, plan.reply?.message, ...plan.posts]) {
            if (message) expectSafe(message);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

const count = fc.oneof(fc.nat(5), fc.nat(1_000_000_000));
const seconds = fc.option(fc.oneof(fc.nat(100_000), fc.double()), { nil: null });

const summaryArb: fc.Arbitrary<RunSummary> = fc.record({
  recordId: text(200),
  status: fc.constantFrom(...STATUSES),
  startedAt: isoDate,
  endedAt: isoDate,
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
  durationSeconds: seconds,
  executor: text(5000),
  slowestStep: fc.option(fc.record({ name: text(5000), seconds: fc.nat(1_000_000) }), { nil: null }),
});

const figuresArb: fc.Arbitrary<DigestFigures> = fc.record({
  deployments: count,
  succeeded: count,
  unsuccessful: count,
  successRate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  medianSeconds: seconds,
  slowestSeconds: seconds,
  slowestStep: fc.option(fc.record({ name: text(5000), seconds: fc.nat(1_000_000), recordId: text(100) }), {
    nil: null,
  }),
  recoveries: count,
  medianRecoverySeconds: seconds,
  longestRecoverySeconds: seconds,
  failingSince: isoDate,
  previousDeployments: count,
});

const reportArb: fc.Arbitrary<InsightReport> = fc.oneof(
  fc.record({
    kind: fc.constant('quiet' as const),
    channel: fc.constant('C0123456789'),
    quietHours: fc.record({ from: text(10), to: text(10), timeZone: text(300) }),
    from: fc.constant('2026-01-10T21:00:00.000Z'),
    to: fc.constant('2026-01-11T06:00:00.000Z'),
    runs: fc.array(summaryArb, { maxLength: 20 }),
    total: count,
    succeeded: count,
  }),
  fc.record({
    kind: fc.constant('digest' as const),
    channel: fc.constant('C0123456789'),
    every: fc.constantFrom('daily' as const, 'weekly' as const),
    timeZone: text(300),
    from: fc.constant('2026-01-10T00:00:00.000Z'),
    to: fc.constant('2026-01-11T00:00:00.000Z'),
    figures: figuresArb,
  }),
);

describe('insight reports stay within Slack limits (property)', () => {
  it('quiet-hours summaries and digests', () => {
    fc.assert(
      fc.property(
        reportArb,
        text(5000),
        fc.option(fc.oneof(fc.webUrl({ withQueryParameters: true }), text(4000)), { nil: null }),
        (report, taskName, url) => {
          expectSafe(renderReport(report, { taskName, consoleUrlOf: () => url }));
        },
      ),
      { numRuns: 150 },
    );
  });
});
