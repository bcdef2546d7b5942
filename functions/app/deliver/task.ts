// app → everything pending of one task told to Slack, subscription by subscription, under the invocation's Slack
// conditions. Returns what each delivery achieved; recording it is the caller's (one conditional write).
import type { Subscription, TaskRecord } from '../../core/model.js';
import { latestRunState, subscriptionsWithPending } from '../../core/task-record.js';
import type { Logger, PeopleDirectory, SlackPort } from '../../ports.js';
import type { SlackConditions } from './slack-conditions.js';
import { deliverToSubscription, type SubscriptionDelivery } from './subscription.js';

export interface TaskDeliveryDeps {
  slack: SlackPort;
  logger: Logger;
  consoleUrlTemplate: string | undefined;
  conditions: SlackConditions;
  nowMs: () => number;
  /** Who the executors are in Slack (for mentions); without it, runs show their CodeArts names. */
  people?: PeopleDirectory;
}

export interface TaskDeliveryRequest {
  /** Batches up to this seq may have been attempted before (answers lost): look for them before posting. */
  reconcileUpToSeq: number;
  /** Redraw this run's living message even with nothing pending for it (the stale notice came or went). */
  refreshRecordId: string | null;
}

export interface TaskDelivery {
  deliveries: SubscriptionDelivery[];
  /** The earliest time a channel left undelivered (rate-limited, now or before) may be tried again; null: none. */
  retryAt: number | null;
}

export async function deliverTask(
  deps: TaskDeliveryDeps,
  record: TaskRecord,
  request: TaskDeliveryRequest,
): Promise<TaskDelivery> {
  const due = new Set(subscriptionsWithPending(record).map((s) => s.channel));
  const refresh = request.refreshRecordId;
  const targets = Object.values(record.subscriptions).filter(
    (s) => s.broken === null && (due.has(s.channel) || (refresh !== null && s.mode === 'thread')),
  );
  if (targets.length === 0) return { deliveries: [], retryAt: null };
  const slack = deps.conditions.guard(deps.slack, deps.nowMs);
  const people = await slackUsers(deps, record, refresh);
  const deliveries: SubscriptionDelivery[] = [];
  let retryAt: number | null = null;
  const later = (at: number) => {
    retryAt = retryAt === null ? at : Math.min(retryAt, at);
  };
  for (const subscription of targets) {
    if (deps.conditions.tokenBroken) break;
    const pausedFor = () => deps.conditions.deliveryPausedUntil(subscription.channel, subscription.mode);
    // Another worker may have met a 429 a moment ago.
    if (pausedFor() <= deps.nowMs()) await deps.conditions.refresh();
    const pausedUntil = pausedFor();
    if (pausedUntil > deps.nowMs()) {
      later(pausedUntil);
      continue;
    }
    const delivery = await deliverOne({ ...deps, slack }, record, subscription, { ...request, people });
    deliveries.push(delivery);
    // The guarded port has paused the limit (or broken the token) already; the task comes back after the pause.
    if (delivery.error?.kind === 'rate-limited') {
      later(Math.max(pausedFor(), deps.conditions.pausedUntil('lookup'), deps.nowMs() + 1000));
    }
  }
  return { deliveries, retryAt };
}

/**
 * The Slack users of the executors of every run about to be told (one look-up for all channels). A directory that
 * cannot be read costs the mentions, not the delivery.
 */
async function slackUsers(
  deps: TaskDeliveryDeps,
  record: TaskRecord,
  refreshRecordId: string | null,
): Promise<ReadonlyMap<string, string>> {
  if (deps.people === undefined) return new Map();
  const recordIds = new Set([
    ...record.outbox.flatMap((batch) => batch.events.map((event) => event.recordId)),
    ...(refreshRecordId === null ? [] : [refreshRecordId]),
  ]);
  const executors = [...recordIds].flatMap((recordId) => latestRunState(record, recordId)?.executor ?? []);
  const fixed = record.outbox.flatMap((batch) => (batch.fixedRuns ?? []).map((run) => run.executor));
  const wanted = [...new Set([...executors, ...fixed].filter((name) => name !== ''))];
  if (wanted.length === 0) return new Map();
  try {
    return await deps.people.slackUsersOf(wanted);
  } catch (error) {
    deps.logger.warn('Who the executors are in Slack could not be read; naming them as CodeArts does', {
      taskId: record.taskId,
      error: String(error),
    });
    return new Map();
  }
}

async function deliverOne(
  deps: TaskDeliveryDeps,
  record: TaskRecord,
  subscription: Subscription,
  request: TaskDeliveryRequest & { people: ReadonlyMap<string, string> },
): Promise<SubscriptionDelivery> {
  const delivery = await deliverToSubscription(record, subscription, {
    slack: deps.slack,
    nowMs: deps.nowMs(),
    consoleUrlTemplate: deps.consoleUrlTemplate,
    reconcileUpToSeq: request.reconcileUpToSeq,
    // Also where changes are pending: they may be about another run than the one showing the notice.
    refreshRecordId: request.refreshRecordId,
    people: request.people,
  });
  if (delivery.error) {
    deps.logger.warn('Slack delivery failed', {
      taskId: record.taskId,
      channel: subscription.channel,
      kind: delivery.error.kind,
      code: delivery.error.code,
    });
  }
  return delivery;
}
