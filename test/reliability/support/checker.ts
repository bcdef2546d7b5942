// Reliability checker: what Slack was told, per subscription and per run, against the simulator's ground truth.
//
// How a delivery is reconstructed, and why this way:
// - Attribution (which task, run and subscription a message is about) comes from the Slack metadata the poller
//   attaches to every post: `codearts_run` {key: "<task>/<record>"} on a living message, `codearts_change`
//   {key: "<task>/<record>/<firstSeq>" | "<task>/notice/<seq>"} on replies and channel posts. Those keys are
//   fixed per run, so they identify a message whatever happened around its posting.
// - Content (which transitions a message tells) is read from the rendered text a reader gets: one line per change
//   ("✅ Step 2/5 · … finished", "❌ Deployment failed …"). It does not go through the poller's own seq
//   bookkeeping (the metadata `toSeq`, the store's outbox and `recent`): a change posted twice counts twice even
//   when the poller believes the second post covered nothing new, and the store's history (which keeps only the
//   last few batches) cannot hide anything.
// - In thread mode a run's start is the living message itself (run.started has no reply line), so it counts once
//   per living message posted for the run (one that replaces a living message someone deleted is not news); its
//   final text must show how the run ended, with no stale-monitoring notice left on it.
// - Insight adds two transitions: the fix (`run.recovered`, the "✅ fixed" on the end of the first success after a
//   run that did not succeed), expected once like any other, and a stuck step (`step.stuck`, "⚠️ Step n/m · …
//   has run …"), which may be told at most once per run and step, and only of a step that truly ran past the
//   rule's floor. A failed run that a later run fixed must end up saying so on its living message.

import { STUCK_RULE } from '../../../functions/core/insight/stuck.js';
import type { RunTruth } from '../../../local/codearts-simulator/index.js';
import type { FakeSlackMessage } from '../../../local/fake-slack/index.js';

export type TransitionKind =
  | 'run.started'
  | 'step.finished'
  | 'step.failed'
  | 'step.stuck'
  | 'run.finished'
  | 'run.recovered'
  | 'task.gone';

/** A transition that truly happened (per the simulator) and that a subscription must hear about once. */
export interface Transition {
  key: string;
  kind: TransitionKind;
  recordId: string;
  step?: number;
  status?: string;
  /** Simulated time it happened. */
  at: number;
  /** Order within the run: start, steps by index, end. */
  rank: number;
  /** May be reported at most once but need not be (a step of a run whose record vanished mid-way). */
  optional: boolean;
  /** For `run.recovered`: the run before it, which did not succeed (its living message must say it was fixed). */
  fixes?: string;
}

export interface SubscriptionSpec {
  taskId: string;
  channel: string;
  mode: 'thread' | 'messages';
  /** Slack refuses this channel for good: nothing is expected, and nothing may arrive. */
  broken?: boolean;
}

/** Where the Slack record is read from (the fake Slack, or a view of it). */
export interface SlackRecord {
  messages(channel?: string): FakeSlackMessage[];
}

export interface TruthSource {
  runs(taskId: string): RunTruth[];
}

/**
 * When CodeArts answered a task's latest-run query properly (simulated ms). CodeArts' /state shows only the
 * latest run, so a run during which no such answer was given, and which a later run then replaced, is unseen:
 * the poller can only have found it in the task's history. Its transitions are expected all the same.
 */
export type PollLog = (taskId: string) => number[];

export interface CheckInput {
  slack: SlackRecord;
  truth: TruthSource;
  subscriptions: SubscriptionSpec[];
  /** Runs whose record disappears mid-run (by record ID, with when): they end once, as 'unknown'. */
  vanishedRecords?: Map<string, number>;
  /** Tasks deleted in CodeArts while watched (by task ID, with when): one notice per subscription. */
  deletedTasks?: Map<string, number>;
  polls?: PollLog;
  /** Messages deleted in Slack by someone (`channel/ts`), see Rig.deleteSlackMessage. */
  deletedMessages?: ReadonlySet<string>;
}

export interface Delivered {
  key: string;
  kind: TransitionKind;
  recordId: string;
  step?: number;
  status?: string;
  /** Slack order: message ts, then line within the message. */
  ts: number;
  line: number;
}

export interface CheckResult {
  runs: number;
  /** Runs never the latest when CodeArts answered /state: only the history API finds them (still expected). */
  unseen: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Delivered but never happened, wrong status, out of order, truncated, unattributable, or a stale living message. */
  wrong: number;
  problems: string[];
}

const VERBS: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'timed out': 'timeout',
  'was aborted': 'abort',
  'did not start': 'not_started',
  'is in an unknown state': 'unknown',
  'is running': 'running',
  'is queued': 'pending',
};
const VERB_PATTERN = Object.keys(VERBS).join('|');
const RUN_END_LINE = new RegExp(`^\\S+ Deployment (${VERB_PATTERN})(?: |$)`, 'u');
const STEP_DONE_LINE = /^✅ Step (\d+)\/\d+ · .* finished(?: in .*)?$/u;
const STEP_FAILED_LINE = /^❌ Step (\d+)\/\d+ · .* failed(?: — .*)?$/u;
const LIVING_STATUS = new RegExp(`: deployment (${VERB_PATTERN})(?: |$)`, 'u');
const STEP_STUCK_LINE = /^⚠️ Step (\d+)\/\d+ · .* has run .*, usually .*$/u;
const FIXED = '— ✅ fixed';
const FIXED_BY = 'fixed by run';

const RANK_END = 10_000;

/** The transitions of a task's runs a subscription must be told about, from the simulator's truth. */
export function expectedTransitions(
  taskId: string,
  truth: RunTruth[],
  input: Pick<CheckInput, 'vanishedRecords' | 'deletedTasks' | 'polls'>,
): Transition[] {
  const out: Transition[] = [];
  const deletedAt = input.deletedTasks?.get(taskId);
  let previous: { id: string; status: string } | null = null;
  for (const run of [...truth].sort((a, b) => a.createdAt - b.createdAt)) {
    if (deletedAt !== undefined && run.createdAt > deletedAt) continue;
    const id = run.recordId;
    const cutAt =
      input.vanishedRecords?.get(id) ??
      (deletedAt !== undefined && run.endsAt > deletedAt ? deletedAt : undefined);
    const status = cutAt !== undefined ? 'unknown' : run.outcome;
    out.push({
      key: `${id}/run.started`,
      kind: 'run.started',
      recordId: id,
      at: run.createdAt,
      rank: 0,
      optional: false,
    });
    for (const step of run.steps) {
      if (
        step.enabled &&
        step.startsAt !== null &&
        (step.endsAt ?? Number.POSITIVE_INFINITY) - step.startsAt >= STUCK_RULE.floorSeconds * 1000
      ) {
        // The rule never calls a step stuck before its floor: one that ran that long may be, once.
        out.push({
          key: `${id}/step.stuck/${step.index}`,
          kind: 'step.stuck',
          recordId: id,
          step: step.index,
          at: step.startsAt + STUCK_RULE.floorSeconds * 1000,
          rank: 0.5 + step.index,
          optional: true,
        });
      }
      if (!step.enabled || step.endsAt === null) continue;
      const failed = step.finalOutcome === 'failed' || step.finalOutcome === 'aborted';
      if (!failed && step.finalOutcome !== 'done') continue;
      if (cutAt !== undefined && step.endsAt > cutAt) continue;
      const kind = failed ? 'step.failed' : 'step.finished';
      out.push({
        key: `${id}/${kind}/${step.index}`,
        kind,
        recordId: id,
        step: step.index,
        at: step.endsAt,
        rank: 1 + step.index,
        // Before its record vanished, a step may or may not have been seen to end.
        optional: cutAt !== undefined,
      });
    }
    out.push({
      key: `${id}/run.finished`,
      kind: 'run.finished',
      recordId: id,
      status,
      at: cutAt ?? run.endsAt,
      rank: RANK_END,
      optional: false,
    });
    // The first success after a run that did not succeed says it fixed the task.
    if (status === 'succeeded' && previous !== null && previous.status !== 'succeeded') {
      out.push({
        key: `${id}/run.recovered`,
        kind: 'run.recovered',
        recordId: id,
        at: run.endsAt,
        rank: RANK_END + 1,
        optional: false,
        fixes: previous.id,
      });
    }
    previous = { id, status };
  }
  if (deletedAt !== undefined) {
    out.push({
      key: `${taskId}/task.gone`,
      kind: 'task.gone',
      recordId: '',
      at: deletedAt,
      rank: 0,
      optional: false,
    });
  }
  return out;
}

/** Runs that were never the latest run when CodeArts answered a poll of their task. */
export function unseenRuns(taskId: string, truth: RunTruth[], polls: PollLog | undefined): Set<string> {
  const unseen = new Set<string>();
  if (!polls) return unseen;
  const times = polls(taskId);
  const live = truth.filter((r) => !r.deleted).sort((a, b) => a.createdAt - b.createdAt);
  live.forEach((run, i) => {
    const replacedAt = live[i + 1]?.createdAt ?? Number.POSITIVE_INFINITY;
    if (!times.some((t) => t >= run.createdAt && t < replacedAt)) unseen.add(run.recordId);
  });
  return unseen;
}

const payloadKey = (m: FakeSlackMessage): string | null => {
  const key = m.metadata?.event_payload.key;
  return typeof key === 'string' ? key : null;
};

/** The change lines of a reply or channel post. */
function parseChangeLines(m: FakeSlackMessage, recordId: string, problems: string[]): Delivered[] {
  const out: Delivered[] = [];
  const ts = Number(m.ts);
  m.text.split('\n').forEach((raw, line) => {
    const text = raw.trim();
    const push = (d: Omit<Delivered, 'ts' | 'line' | 'recordId'>) => out.push({ ...d, recordId, ts, line });
    const done = STEP_DONE_LINE.exec(text);
    const failed = STEP_FAILED_LINE.exec(text);
    const ended = RUN_END_LINE.exec(text);
    const stuck = STEP_STUCK_LINE.exec(text);
    if (stuck) {
      const step = Number(stuck[1]) - 1;
      push({ key: `${recordId}/step.stuck/${step}`, kind: 'step.stuck', step });
    } else if (text.startsWith('▶️ Deployment started')) {
      push({ key: `${recordId}/run.started`, kind: 'run.started' });
    } else if (done) {
      const step = Number(done[1]) - 1;
      push({ key: `${recordId}/step.finished/${step}`, kind: 'step.finished', step });
    } else if (failed) {
      const step = Number(failed[1]) - 1;
      push({ key: `${recordId}/step.failed/${step}`, kind: 'step.failed', step });
    } else if (ended) {
      push({ key: `${recordId}/run.finished`, kind: 'run.finished', status: VERBS[ended[1]!] ?? '?' });
      if (text.includes(FIXED)) push({ key: `${recordId}/run.recovered`, kind: 'run.recovered' });
    } else if (/^…\d+ (earlier change|more)/u.test(text)) {
      problems.push(`message ${m.channel}/${m.ts} was truncated: ${text}`);
    }
  });
  return out;
}

interface Reconstruction {
  delivered: Delivered[];
  /** Final status shown by each run's living message(s) (thread mode). */
  livingStatus: Map<string, string[]>;
  /** Whether each of a run's living messages says which run fixed it. */
  livingFixed: Map<string, boolean[]>;
}

/** What one subscription was told about one task, in Slack order. */
export function reconstruct(
  slack: SlackRecord,
  sub: SubscriptionSpec,
  problems: string[],
  deletedMessages: ReadonlySet<string> = new Set(),
): Reconstruction {
  const messages = slack.messages(sub.channel).filter((m) => m.author === 'bot');
  const prefix = `${sub.taskId}/`;
  const delivered: Delivered[] = [];
  const livingStatus = new Map<string, string[]>();
  const livingFixed = new Map<string, boolean[]>();
  const livingByTs = new Map<string, string>();
  const replaced = new Set<string>();

  for (const m of messages) {
    const key = payloadKey(m);
    if (m.threadTs !== null || m.metadata?.event_type !== 'codearts_run' || !key?.startsWith(prefix))
      continue;
    const recordId = key.slice(prefix.length);
    livingByTs.set(m.ts, recordId);
    const start = {
      key: `${recordId}/run.started`,
      kind: 'run.started' as const,
      recordId,
      ts: Number(m.ts),
      line: -1,
    };
    if (deletedMessages.has(`${m.channel}/${m.ts}`)) {
      // It told its readers the run had started; what it shows now no longer matters.
      replaced.add(recordId);
      delivered.push(start);
      continue;
    }
    if (replaced.has(recordId)) replaced.delete(recordId);
    else delivered.push(start);
    const status = LIVING_STATUS.exec(m.text)?.[1];
    const shown = status ? (VERBS[status] ?? '?') : '?';
    livingStatus.set(recordId, [
      ...(livingStatus.get(recordId) ?? []),
      m.text.includes('stale since') ? `${shown} (stale)` : shown,
    ]);
    livingFixed.set(recordId, [...(livingFixed.get(recordId) ?? []), m.text.includes(FIXED_BY)]);
  }
  // Only changes count as transitions: notes about buttons pressed in Slack (`codearts_action`) are no run's
  // transition, and are left out here.
  for (const m of messages) {
    const key = payloadKey(m);
    if (m.metadata?.event_type !== 'codearts_change' || !key?.startsWith(prefix)) continue;
    const [, second] = key.split('/');
    if (second === 'notice') {
      delivered.push({
        key: `${sub.taskId}/task.gone`,
        kind: 'task.gone',
        recordId: '',
        ts: Number(m.ts),
        line: 0,
      });
      continue;
    }
    const recordId = second ?? '';
    if (m.threadTs !== null) {
      const parentRecord = livingByTs.get(m.threadTs);
      if (parentRecord !== recordId) {
        problems.push(
          `${sub.channel}: reply ${m.ts} about ${recordId} sits in the thread of ${parentRecord ?? 'no living message'}`,
        );
      }
    } else if (sub.mode === 'thread') {
      problems.push(`${sub.channel}: change ${key} posted to the channel instead of a thread`);
    }
    delivered.push(...parseChangeLines(m, recordId, problems));
  }
  delivered.sort((a, b) => a.ts - b.ts || a.line - b.line);
  return { delivered, livingStatus, livingFixed };
}

/** Compares every subscription's Slack record with the truth. */
export function check(input: CheckInput): CheckResult {
  const result: CheckResult = {
    runs: 0,
    unseen: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    wrong: 0,
    problems: [],
  };
  const wrong = (problem: string) => {
    result.wrong++;
    result.problems.push(problem);
  };
  const taskIds = [...new Set(input.subscriptions.map((s) => s.taskId))];
  const truthByTask = new Map(taskIds.map((t) => [t, input.truth.runs(t)]));
  for (const [taskId, runs] of truthByTask) {
    result.runs += runs.length;
    result.unseen += unseenRuns(taskId, runs, input.polls).size;
  }

  for (const sub of input.subscriptions) {
    const problems: string[] = [];
    const truth = truthByTask.get(sub.taskId) ?? [];
    const { delivered, livingStatus, livingFixed } = reconstruct(
      input.slack,
      sub,
      problems,
      input.deletedMessages,
    );
    const where = `${sub.channel} (${sub.mode}) task ${sub.taskId.slice(0, 8)}`;
    for (const p of problems) wrong(p);
    if (sub.broken) {
      if (delivered.length > 0) wrong(`${where}: broken channel received ${delivered.length} changes`);
      continue;
    }
    const all = expectedTransitions(sub.taskId, truth, input);
    const due = all.filter((t) => isOver(t, truth));
    const byKey = new Map(all.map((t) => [t.key, t]));
    const counts = new Map<string, number>();
    for (const d of delivered) counts.set(d.key, (counts.get(d.key) ?? 0) + 1);

    for (const t of due) {
      const n = counts.get(t.key) ?? 0;
      if (!t.optional) {
        result.expected++;
        if (n > 0) result.delivered++;
        else {
          result.lost++;
          result.problems.push(`${where}: lost ${t.key}`);
        }
      }
      if (n > 1) {
        result.duplicated += n - 1;
        result.problems.push(`${where}: ${t.key} delivered ${n} times`);
      }
    }
    for (const d of delivered) {
      const t = byKey.get(d.key);
      if (!t || !isOver(t, truth)) wrong(`${where}: told ${d.key}, which has not happened`);
      else if (t.kind === 'run.finished' && d.status !== t.status) {
        wrong(`${where}: ${d.key} said ${d.status}, truth is ${t.status}`);
      }
    }
    for (const p of orderProblems(where, delivered, due)) wrong(p);
    // The living message must end up showing how its run ended.
    if (sub.mode === 'thread') {
      for (const t of due) {
        if (t.kind !== 'run.finished') continue;
        for (const shown of livingStatus.get(t.recordId) ?? []) {
          if (shown !== t.status)
            wrong(`${where}: living message of ${t.recordId} shows ${shown}, not ${t.status}`);
        }
      }
      for (const t of due) {
        if (t.kind !== 'run.recovered' || t.fixes === undefined) continue;
        if ((livingFixed.get(t.fixes) ?? []).some((fixed) => !fixed)) {
          wrong(`${where}: living message of ${t.fixes} does not say ${t.recordId} fixed it`);
        }
      }
    }
  }
  // Every post of ours carries metadata; one without it could not be reconciled after a lost answer.
  for (const channel of new Set(input.subscriptions.map((s) => s.channel))) {
    for (const m of input.slack.messages(channel)) {
      if (m.author === 'bot' && m.metadata === null) wrong(`${channel}: message ${m.ts} carries no metadata`);
    }
  }
  return result;
}

/** A transition is due once the run has got that far (a run still going is checked up to now). */
function isOver(t: Transition, truth: RunTruth[]): boolean {
  if (t.kind === 'task.gone') return true;
  const run = truth.find((r) => r.recordId === t.recordId);
  if (!run) return false;
  if (t.kind === 'run.started') return true;
  if (t.kind === 'run.finished') return run.finished || t.status === 'unknown';
  if (t.kind === 'run.recovered') return run.finished;
  if (t.kind === 'step.stuck') return run.steps[t.step ?? -1]?.startsAt !== null;
  const step = run.steps[t.step ?? -1];
  return step !== undefined && step.outcome === step.finalOutcome;
}

function orderProblems(where: string, delivered: Delivered[], expected: Transition[]): string[] {
  const problems: string[] = [];
  const rank = new Map(expected.map((t) => [t.key, t.rank]));
  const runOrder = [...new Set(expected.map((t) => t.recordId))];
  const seen = new Set<string>();
  const lastRank = new Map<string, number>();
  let lastRun = -1;
  for (const d of delivered) {
    if (seen.has(d.key) || d.kind === 'task.gone') continue;
    seen.add(d.key);
    const r = rank.get(d.key);
    if (r === undefined) continue;
    if (r < (lastRank.get(d.recordId) ?? -1)) problems.push(`${where}: ${d.key} told out of order`);
    lastRank.set(d.recordId, r);
    const runIndex = runOrder.indexOf(d.recordId);
    if (runIndex < lastRun) problems.push(`${where}: ${d.key} told after a later run`);
    lastRun = Math.max(lastRun, runIndex);
  }
  return problems;
}

/** Every required transition that happened by `asOf` has reached every working subscription. */
export function caughtUp(input: CheckInput, asOf: number): { done: boolean; missing: number } {
  let missing = 0;
  for (const sub of input.subscriptions) {
    if (sub.broken) continue;
    const truth = input.truth.runs(sub.taskId);
    const { delivered } = reconstruct(input.slack, sub, [], input.deletedMessages);
    const keys = new Set(delivered.map((d) => d.key));
    for (const t of expectedTransitions(sub.taskId, truth, input)) {
      if (!t.optional && t.at <= asOf && isOver(t, truth) && !keys.has(t.key)) missing++;
    }
  }
  return { done: missing === 0, missing };
}
