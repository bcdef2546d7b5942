// core/render → what to send to one subscription for one run's pending changes: the living
// message, one coalesced thread reply, and channel posts, according to the subscription's mode and notify level.
import type { SlackMessage } from '../../ports.js';
import type { RunState, SubscriptionOptions, TaskEvent, TaskEventType } from '../model.js';
import { eventKey } from '../model.js';
import { withActionButtons } from './action-message.js';
import {
  isAfterStuckEvent,
  isFailureEvent,
  isStuckEvent,
  renderChangeMessage,
  renderFailureAnnouncement,
  renderRecoveryAnnouncement,
} from './change-message.js';
import { isUnsuccessful, lastRunFinished } from './format.js';
import { type RenderContext, renderLivingMessage } from './living-message.js';

export interface DeliveryPlan {
  /** thread mode: the full content of the run's living message (post when it does not exist yet, else chat.update); null = none */
  living: SlackMessage | null;
  /** thread mode: one coalesced reply for this poll's changes; broadcast for failures */
  reply: { message: SlackMessage; broadcast: boolean } | null;
  /** channel messages to post (mode 'messages', or notify 'failures' announcements) */
  posts: SlackMessage[];
}

export interface PlanInput {
  run: RunState;
  /** This run's undelivered events, oldest first, possibly from several polls. */
  events: TaskEvent[];
  options: SubscriptionOptions;
  ctx: RenderContext;
  /** The last run seen in this channel failed (for recovery notices). */
  previousRunFailed: boolean;
}

/** Changes that earn a thread reply; run.started and step.started only move the living message. */
const REPLY_EVENTS: ReadonlySet<TaskEventType> = new Set([
  'step.finished',
  'step.failed',
  'step.stuck',
  'run.finished',
]);
/** Without a living message, the start of a run is news too. */
const POST_EVENTS: ReadonlySet<TaskEventType> = new Set([
  'run.started',
  'step.finished',
  'step.failed',
  'step.stuck',
  'run.finished',
]);
/** `notify: status` skips step detail, but not a stuck step (nor, then, its end). */
const STATUS_REPLY_EVENTS: ReadonlySet<TaskEventType> = new Set(['step.stuck', 'run.finished']);
const STATUS_POST_EVENTS: ReadonlySet<TaskEventType> = new Set(['run.started', 'step.stuck', 'run.finished']);

/** The changes of `batch` a subscription at this level hears. */
const heard = (batch: readonly TaskEvent[], kinds: ReadonlySet<TaskEventType>): TaskEvent[] =>
  batch.filter((e) => kinds.has(e.type) || isAfterStuckEvent(e));

/** Keeps this run's events, each transition once (a batch re-read after a crash may repeat one). */
function ownEvents(run: RunState, events: readonly TaskEvent[]): TaskEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (e.recordId !== run.recordId) return false;
    const key = eventKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function planDelivery(input: PlanInput): DeliveryPlan {
  const { run, options, previousRunFailed } = input;
  const batch = ownEvents(run, input.events);
  // Both lists name people to ping; a user configured in either gets the mention once.
  const ctx: RenderContext = { ...input.ctx, mentions: [...options.mentions, ...input.ctx.mentions] };
  const finished = lastRunFinished(batch);
  const recovered = finished?.status === 'succeeded' && previousRunFailed;

  if (options.notify === 'failures') {
    const posts: SlackMessage[] = [];
    // A stuck step may be the failure to come: it is told, and so is its end.
    const alarms = batch.filter((e) => isStuckEvent(e) || isAfterStuckEvent(e));
    if (alarms.length > 0) {
      posts.push(
        renderChangeMessage({ run, events: alarms, batch, ctx, audience: 'channel', recovered: false }),
      );
    }
    if (finished !== undefined && isUnsuccessful(finished.status)) {
      posts.push(renderFailureAnnouncement(run, batch, ctx));
    } else if (recovered) {
      posts.push(renderRecoveryAnnouncement(run, batch, ctx));
    }
    return { living: null, reply: null, posts: withActionButtons(posts, run, ctx) };
  }

  const status = options.notify === 'status';
  if (options.mode === 'messages') {
    const events = heard(batch, status ? STATUS_POST_EVENTS : POST_EVENTS);
    const posts =
      events.length > 0
        ? [renderChangeMessage({ run, events, batch, ctx, audience: 'channel', recovered })]
        : [];
    // No living message to hold the buttons: the run's latest post carries them.
    return { living: null, reply: null, posts: withActionButtons(posts, run, ctx) };
  }

  const events = heard(batch, status ? STATUS_REPLY_EVENTS : REPLY_EVENTS);
  const reply =
    events.length > 0
      ? {
          message: renderChangeMessage({ run, events, batch, ctx, audience: 'thread', recovered }),
          // The channel saw the failure broadcast, so it sees the fix too.
          broadcast: events.some(isFailureEvent) || recovered,
        }
      : null;
  return { living: renderLivingMessage(run, ctx), reply, posts: [] };
}
