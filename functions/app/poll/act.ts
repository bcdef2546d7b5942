// app → a worker acting on the buttons pressed in Slack (stop, re-run, roll back), first thing when it polls
// the task, so the poll that follows already sees what the press did. For each pending press: the presser is
// checked (user groups through Slack, the watch's operators as they are now), the press is checked against
// the run (what CodeArts says of a run to stop), the request is marked as being executed with a conditional
// write, and only then is CodeArts asked, once. The outcome is recorded (core/actions.ts): the audit trail, a
// note for the channel's thread through the outbox when a run was stopped or started, and a private answer
// through the press's response_url otherwise.
import {
  type ActionPlan,
  applyActionOutcome,
  type GroupCheck,
  markExecuting,
  planAction,
} from '../../core/action-outcomes.js';
import {
  type ActionOutcome,
  type ActionRequest,
  actionableRequests,
  operatorsOf,
  presserStanding,
  userGroupsOf,
} from '../../core/actions.js';
import { paramsForRerun } from '../../core/deploy-actions.js';
import type { RunState, TaskRecord } from '../../core/model.js';
import { outcomeAnswer } from '../../core/render/action-answers.js';
import {
  type CodeArtsActionsPort,
  CodeArtsError,
  type CodeArtsPort,
  type Logger,
  SlackDeliveryError,
  type SlackResponder,
  type SlackUserGroups,
  type TaskRepository,
} from '../../ports.js';
import { updateTask } from '../task-updates.js';
import type { InvocationContext } from './poll-task.js';

/** What a worker needs to act on presses (the bot token's Slack, CodeArts' acting calls). */
export interface ActingDeps {
  actions: CodeArtsActionsPort;
  groups: SlackUserGroups;
  responder: SlackResponder;
}

export interface ActDeps {
  repository: TaskRepository;
  codearts: CodeArtsPort;
  logger: Logger;
  now: () => number;
  /** Without it, presses wait for a worker that has it (and expire). */
  acting?: ActingDeps;
}

type Invocation = Pick<
  InvocationContext,
  'id' | 'claimUntilMs' | 'codeartsPausedUntil' | 'pauseCodeArts' | 'withCodeArtsSlot' | 'signal'
>;

/** A read that could not be made now: the press waits for a later poll (or expires). */
class NotNow extends Error {}

/**
 * Acts on every press of `record` that waits for a worker; resolves with the record as it then stands (the same
 * one when there was nothing to do). Store failures propagate, as everywhere in a poll.
 */
export async function actOnPresses(
  deps: ActDeps,
  invocation: Invocation,
  record: TaskRecord | null,
): Promise<TaskRecord | null> {
  const acting = deps.acting;
  if (record === null || acting === undefined) return record;
  let current: TaskRecord | null = record;
  for (const request of actionableRequests(record, deps.now())) {
    if (current === null) break;
    current = await actOn({ ...deps, acting }, invocation, current, request);
  }
  return current;
}

async function actOn(
  deps: ActDeps & { acting: ActingDeps },
  invocation: Invocation,
  record: TaskRecord,
  request: ActionRequest,
): Promise<TaskRecord | null> {
  if (request.state === 'executing') {
    // Its worker's time ran out mid-call: whether CodeArts acted is not known, and it is never tried again.
    return finish(deps, record, request, { kind: 'unknown' }, { state: 'executing', by: null });
  }
  let decided: { plan: ActionPlan } | { outcome: ActionOutcome };
  let params: Awaited<ReturnType<typeof readParams>> | null = null;
  try {
    const groups = await groupCheck(deps, record, request);
    decided = planAction(record, request, { nowMs: deps.now(), latest: null, ...(groups ? { groups } : {}) });
    if ('plan' in decided && decided.plan.call === 'stop') {
      // The snapshot may be seconds old: the run to stop is asked for, so an ended run is not "stopped".
      const latest = await read(deps, invocation, () =>
        runNow(deps, record, request.recordId, invocation.signal),
      );
      decided =
        latest === null
          ? { outcome: { kind: 'stale', why: 'ended', status: null } }
          : planAction(record, request, { nowMs: deps.now(), latest, ...(groups ? { groups } : {}) });
    }
    if ('plan' in decided && decided.plan.call === 'rerun') {
      params = await read(deps, invocation, () =>
        readParams(deps, record, request.recordId, invocation.signal),
      );
      if ('outcome' in params) decided = { outcome: params.outcome };
    }
  } catch (error) {
    if (!(error instanceof NotNow)) throw error;
    return record;
  }
  if ('outcome' in decided) return finish(deps, record, request, decided.outcome, { state: 'pending' });
  if (invocation.codeartsPausedUntil() > deps.now()) return record;

  const now = () => new Date(deps.now()).toISOString();
  const marked = await updateTask(
    deps.repository,
    record.taskId,
    (latest) => {
      const next =
        latest === null
          ? null
          : markExecuting(latest, request.key, invocation.id, invocation.claimUntilMs, now());
      return { next, result: next !== null };
    },
    record,
  );
  // Another worker took it (or it is gone): that one calls CodeArts, not this one.
  if (!marked.result || !marked.written || marked.record === null) return marked.record;
  const plan = decided.plan;
  const outcome = await invocation.withCodeArtsSlot(() =>
    execute(deps, invocation, marked.record as TaskRecord, plan, params),
  );
  deps.logger.info('Acted on a press from Slack', {
    taskId: record.taskId,
    action: request.kind,
    recordId: request.recordId,
    by: `slack:${request.user}@${request.team}`,
    outcome: outcome.kind,
  });
  return finish(deps, marked.record, request, outcome, { state: 'executing', by: invocation.id });
}

/** The one CodeArts call of a press, and what its answer means. */
async function execute(
  deps: ActDeps & { acting: ActingDeps },
  invocation: Invocation,
  record: TaskRecord,
  plan: ActionPlan,
  params: Awaited<ReturnType<typeof readParams>> | null,
): Promise<ActionOutcome> {
  const options = { region: record.region, ...(invocation.signal ? { signal: invocation.signal } : {}) };
  try {
    switch (plan.call) {
      case 'stop':
        await deps.acting.actions.stopRun(record.taskId, plan.recordId, options);
        return { kind: 'stopped' };
      case 'rerun': {
        const started = await deps.acting.actions.startTask(record.taskId, {
          ...options,
          params: params !== null && 'params' in params ? params.params : [],
        });
        return { kind: 'started', newRecordId: started.recordId };
      }
      case 'rollback': {
        const started = await deps.acting.actions.startTask(record.taskId, {
          ...options,
          recordId: plan.toRecordId,
        });
        return { kind: 'started', newRecordId: started.recordId, rollbackTo: plan.toRecordId };
      }
    }
  } catch (error) {
    if (!(error instanceof CodeArtsError)) throw error;
    if (error.kind === 'throttled') invocation.pauseCodeArts(deps.now() + (error.retryAfterMs ?? 3000));
    return refusalOf(error);
  }
}

/** CodeArts' answer to an acting call, in the words the presser is told. */
export function refusalOf(error: CodeArtsError): ActionOutcome {
  const code = error.code ?? null;
  if (code === 'Deploy.00011027') return { kind: 'refused', reason: 'already-deploying', code };
  if (code === 'Deploy.00011154') return { kind: 'refused', reason: 'no-permission', code };
  switch (error.kind) {
    case 'throttled':
      return { kind: 'refused', reason: 'throttled', code: code ?? 'APIG.0308' };
    case 'record-gone':
      return { kind: 'refused', reason: 'record-gone', code };
    case 'task-gone':
      return { kind: 'stale', why: 'task-gone' };
    // No answer, or one that cannot be read: the call may have done its work.
    case 'timeout':
    case 'server':
    case 'bad-response':
      return { kind: 'unknown' };
    case 'auth':
    case 'bad-request':
      return { kind: 'refused', reason: 'other', code };
  }
}

/** A read CodeArts must answer before acting; throttling or an outage makes the press wait (NotNow). */
async function read<T>(deps: ActDeps, invocation: Invocation, call: () => Promise<T>): Promise<T> {
  if (invocation.codeartsPausedUntil() > deps.now()) throw new NotNow();
  try {
    return await invocation.withCodeArtsSlot(call);
  } catch (error) {
    if (!(error instanceof CodeArtsError) || !error.transient) throw error;
    if (error.kind === 'throttled') invocation.pauseCodeArts(deps.now() + (error.retryAfterMs ?? 3000));
    throw new NotNow();
  }
}

/** The run as CodeArts has it now; null when its record is gone. */
async function runNow(
  deps: ActDeps,
  record: TaskRecord,
  recordId: string,
  signal?: AbortSignal,
): Promise<RunState | null> {
  try {
    return await deps.codearts.getTaskState(record.taskId, {
      recordId,
      region: record.region,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof CodeArtsError && error.kind === 'record-gone') return null;
    throw error;
  }
}

/** What a re-run starts with: the parameters of the run it repeats (ShowExecutionParams). */
async function readParams(
  deps: ActDeps & { acting: ActingDeps },
  record: TaskRecord,
  recordId: string,
  signal?: AbortSignal,
): Promise<{ params: ReturnType<typeof paramsForRerun> } | { outcome: ActionOutcome }> {
  try {
    const shown = await deps.acting.actions.getExecutionParams(record.taskId, recordId, {
      region: record.region,
      ...(signal ? { signal } : {}),
    });
    return { params: paramsForRerun(shown) };
  } catch (error) {
    if (!(error instanceof CodeArtsError) || error.transient) throw error;
    return { outcome: refusalOf(error) };
  }
}

/**
 * The members of the watch's user groups, when the presser is not named directly; null members when Slack
 * cannot say for good. A Slack hiccup makes the press wait (NotNow).
 */
async function groupCheck(
  deps: ActDeps & { acting: ActingDeps },
  record: TaskRecord,
  request: ActionRequest,
): Promise<GroupCheck | undefined> {
  const operators = operatorsOf(record.subscriptions[request.channel]);
  if (presserStanding(operators, request.user) !== 'groups') return undefined;
  try {
    const lists = await Promise.all(
      userGroupsOf(operators).map((group) => deps.acting.groups.members(group)),
    );
    return { members: lists.flat() };
  } catch (error) {
    if (!(error instanceof SlackDeliveryError)) throw error;
    if (error.kind === 'transient' || error.kind === 'rate-limited') throw new NotNow();
    deps.logger.warn('The operators’ user groups could not be read', {
      taskId: record.taskId,
      code: error.code,
    });
    return { members: null };
  }
}

/** Records the outcome (one conditional write), then tells the presser privately what they need to know. */
async function finish(
  deps: ActDeps & { acting: ActingDeps },
  record: TaskRecord,
  request: ActionRequest,
  outcome: ActionOutcome,
  expect: Parameters<typeof applyActionOutcome>[3],
): Promise<TaskRecord | null> {
  const at = new Date(deps.now()).toISOString();
  const done = await updateTask(
    deps.repository,
    record.taskId,
    (latest) => {
      const next = latest === null ? null : applyActionOutcome(latest, request.key, outcome, expect, at);
      return { next, result: next !== null };
    },
    record,
  );
  // Only the worker whose write recorded the outcome answers, so the presser hears it once.
  const answer = done.written ? outcomeAnswer(request, outcome) : null;
  if (answer !== null && request.responseUrl !== null) {
    const sent = await deps.acting.responder.respond(request.responseUrl, answer);
    if (!sent)
      deps.logger.warn('The presser could not be answered', { taskId: record.taskId, action: request.kind });
  }
  return done.record;
}
