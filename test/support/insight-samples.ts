// Test support: the messages insight adds, rendered for the worst case the notifier accepts (60 steps, names at
// CodeArts' 128-character clip, full of markup), so tests can check Slack's limits and a dump can show them.
import type { RunSummary } from '../../functions/core/insight/digest.js';
import type { InsightReport } from '../../functions/core/insight/model.js';
import type { RunState, StepState, SubscriptionOptions, TaskEvent } from '../../functions/core/model.js';
import { planDelivery, type RenderContext, renderLivingMessage } from '../../functions/core/render/index.js';
import type { RenderInsight } from '../../functions/core/render/insight.js';
import { renderReport } from '../../functions/core/render/reports.js';
import type { SlackMessage } from '../../functions/ports.js';

const LONG = (what: string) => `${what} <&> *_~\`|${'x'.repeat(128)}`.slice(0, 128);
const RECORD = '2c82ffe8d00d4968a4e5f7a36d87ae17';
const FAILED_RECORD = '5a1f0c3e9b7d4e2fa6c8b1d3e5f70912';
const NOW = '2026-11-28T10:30:00.000Z';
const STEPS = 60;
const STUCK = 30;

const steps = (progressAt: (i: number) => StepState['progress']): StepState[] =>
  Array.from({ length: STEPS }, (_, i) => ({
    index: i,
    id: String(i + 1),
    name: LONG(`Step ${i + 1}`),
    enabled: true,
    progress: progressAt(i),
    elapsed: progressAt(i) === 'pending' ? null : i === STUCK ? 1510 : 62,
    currentOffset: null,
    faqUrl: i === STUCK ? `https://support.example.com/faq/${'a'.repeat(400)}` : null,
  }));

const run = (status: RunState['status'], progressAt: (i: number) => StepState['progress']): RunState => ({
  recordId: RECORD,
  taskId: 'e700f15965694253940502911220d76b',
  taskName: LONG('gateway-prod'),
  status,
  rawStatus: status,
  stepsFinished: status !== 'running',
  startedAt: '2026-11-28T10:00:00.000Z',
  endedAt: status === 'running' ? null : '2026-11-28T10:31:00.000Z',
  executor: LONG('devcloud_test'),
  steps: steps(progressAt),
});

const insight = (over: Partial<RenderInsight> = {}): RenderInsight => ({
  usualSeconds: Array.from({ length: STEPS }, () => 61),
  expectedEndAt: '2026-11-28T11:05:00.000Z',
  stuckStep: null,
  executorUser: 'U0EXECUTOR1',
  fixedLink: `https://example.slack.com/archives/C0123456789/p1700000000000100?${'q'.repeat(1500)}`,
  fixedBy: null,
  ...over,
});

const ctx = (over: Partial<RenderInsight> = {}): RenderContext => ({
  taskName: LONG('gateway-prod'),
  region: 'cn-north-4',
  consoleUrl: `https://devcloud.cn-north-4.huaweicloud.com/deployman/project/task/${'c'.repeat(300)}`,
  staleSince: null,
  mentions: ['U0ONCALL01', 'U0EXECUTOR1'],
  now: NOW,
  insight: insight(over),
});

const running = run('running', (i) => (i < STUCK ? 'done' : i === STUCK ? 'running' : 'pending'));
const succeeded = run('succeeded', () => 'done');
const failedRun = {
  ...run('failed', (i) => (i < STUCK ? 'done' : i === STUCK ? 'failed' : 'pending')),
  recordId: FAILED_RECORD,
};

const stuck: TaskEvent = {
  type: 'step.stuck',
  recordId: RECORD,
  step: STUCK,
  name: LONG(`Step ${STUCK + 1}`),
  runningSeconds: 1510,
  usualSeconds: 61,
};
const finallyDone: TaskEvent = {
  type: 'step.finished',
  recordId: RECORD,
  step: STUCK,
  name: LONG(`Step ${STUCK + 1}`),
  elapsed: 1510,
  wasStuck: { usualSeconds: 61 },
};
const fixed: TaskEvent = {
  type: 'run.finished',
  recordId: RECORD,
  status: 'succeeded',
  durationSeconds: 1860,
  fixes: { recordId: FAILED_RECORD, brokenSince: '2026-11-28T08:12:00.000Z', failedRuns: 3 },
};

const summary = (i: number): RunSummary => ({
  recordId: `${String(i).padStart(4, '0')}e8d00d4968a4e5f7a36d87ae17`,
  status: i % 4 === 3 ? 'failed' : 'succeeded',
  startedAt: null,
  endedAt: new Date(Date.parse('2026-11-27T21:10:00.000Z') + i * 1200_000).toISOString(),
  at: new Date(Date.parse('2026-11-27T21:10:05.000Z') + i * 1200_000).toISOString(),
  durationSeconds: 250 + i,
  executor: LONG('devcloud_test'),
  slowestStep: { name: LONG('Install Package'), seconds: 130 },
});

const quiet: InsightReport = {
  kind: 'quiet',
  channel: 'C0123456789',
  quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' },
  from: '2026-11-27T21:00:00.000Z',
  to: '2026-11-28T06:00:00.000Z',
  runs: Array.from({ length: 20 }, (_, i) => summary(i + 7)),
  total: 27,
  succeeded: 21,
};

const digest: InsightReport = {
  kind: 'digest',
  channel: 'C0123456789',
  every: 'daily',
  timeZone: 'Europe/Berlin',
  from: '2026-11-26T23:00:00.000Z',
  to: '2026-11-27T23:00:00.000Z',
  figures: {
    deployments: 12,
    succeeded: 10,
    unsuccessful: 2,
    successRate: 10 / 12,
    medianSeconds: 250,
    slowestSeconds: 542,
    slowestStep: { name: LONG('Install Package'), seconds: 370, recordId: RECORD },
    recoveries: 2,
    medianRecoverySeconds: 3720,
    longestRecoverySeconds: 5400,
    failingSince: null,
    previousDeployments: 9,
  },
};

const thread: SubscriptionOptions = { notify: 'all', mode: 'thread', mentions: ['U0ONCALL01'] };
const plan = (
  r: RunState,
  events: TaskEvent[],
  options: SubscriptionOptions = thread,
  over: Partial<RenderInsight> = {},
) =>
  planDelivery({
    run: r,
    events,
    options: { ...options, mentions: [...options.mentions] },
    ctx: ctx(over),
    previousRunFailed: true,
  });

/** Each new message, by what it is. */
export function insightSamples(): Record<string, SlackMessage> {
  const reportCtx = {
    taskName: LONG('gateway-prod'),
    consoleUrlOf: (recordId: string) =>
      `https://devcloud.cn-north-4.huaweicloud.com/deployman/${'c'.repeat(300)}/${recordId}`,
  };
  const samples: Record<string, SlackMessage | null | undefined> = {
    'living message, running: usual times, expected end, a stuck step, the executor': renderLivingMessage(
      running,
      ctx({ stuckStep: STUCK }),
    ),
    'thread reply: a stuck step': plan(running, [stuck]).reply?.message,
    'thread reply: the stuck step finally ends': plan(running, [finallyDone]).reply?.message,
    'thread reply (broadcast): the fix': plan(succeeded, [fixed]).reply?.message,
    'living message of the failed run, once fixed': renderLivingMessage(
      failedRun,
      ctx({
        fixedBy: {
          recordId: RECORD,
          endedAt: '2026-11-28T10:31:00.000Z',
          link: 'https://example.slack.com/archives/C0123456789/p1700000000000200',
        },
      }),
    ),
    'notify failures: a stuck step': plan(running, [stuck], {
      notify: 'failures',
      mode: 'thread',
      mentions: ['U0ONCALL01'],
    }).posts[0],
    'notify failures: the fix': plan(succeeded, [fixed], { notify: 'failures', mode: 'thread', mentions: [] })
      .posts[0],
    'mode messages: a stuck step': plan(running, [stuck], { notify: 'all', mode: 'messages', mentions: [] })
      .posts[0],
    'quiet-hours summary': renderReport(quiet, reportCtx),
    'daily digest': renderReport(digest, reportCtx),
  };
  const out: Record<string, SlackMessage> = {};
  for (const [name, message] of Object.entries(samples)) {
    if (!message) throw new Error(`no message for ${name}`);
    out[name] = message;
  }
  return out;
}
