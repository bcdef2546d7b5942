// app → runs one slash command for the channel it was typed in and says what happened, ephemerally.
// Slack gives us 3 s; CodeArts verification gets a shorter deadline, and a slow CodeArts does not block
// the watch (the first poll confirms the task).
//
// Who may do what: only workspaces in SLACK_TEAM_ID are served; a channel learns nothing about tasks
// it does not watch, nor about any other channel (no names, runs, counts or IDs), whatever it asks.
import type { Actor, TaskRecord } from '../../core/model.js';
import { isAllowedWorkspace, type WatchRefusal } from '../../core/trust.js';
import { CODEARTS_CODES, CodeArtsError, type CodeArtsErrorKind, type RunArchive } from '../../ports.js';
import { CHANNEL_ID_PATTERN, USER_ID_PATTERN } from '../registration/schema.js';
import { lastPolledAt } from '../registration/views.js';
import {
  listWatches,
  type RegistrationDeps,
  unwatchTask,
  WatchRefusedError,
  watchTask,
} from '../registration/watches.js';
import { parseSlashCommand } from './parse.js';
import { clip, runLine, safeText, slackDate, stepLines } from './render.js';
import { channelReport } from './report.js';

export interface SlashCommandDeps extends RegistrationDeps {
  /** How long `watch` waits for CodeArts before storing the watch unverified (Slack allows 3 s in all). */
  verifyTimeoutMs: number;
  /** When the poller last completed a cycle (ISO), for "last polled"; see `lastPolledAt`. */
  lastCycleAt?: () => Promise<string | null>;
  /** Workspaces served (SLACK_TEAM_ID); empty: any workspace whose request is signed. */
  allowedTeams: readonly string[];
  /** Finished runs, for `report`; without it the figures are empty. */
  runs?: RunArchive;
}

export interface SlashCommandRequest {
  text: string;
  /** The conversation the command was typed in (`channel_id`). */
  channelId: string;
  userId: string;
  /** The workspace it was typed in (`team_id`). */
  teamId: string;
  /** The command as the user typed it (`/codearts`), echoed in usage help. */
  command: string;
}

/** Slack's answer shape for a slash command; ephemeral = only the person who typed it sees it. */
export interface EphemeralMessage {
  response_type: 'ephemeral';
  text: string;
  blocks?: unknown[];
}

const ephemeral = (text: string, details: string[] = []): EphemeralMessage => {
  if (details.length === 0) return { response_type: 'ephemeral', text: clip(text) };
  return {
    response_type: 'ephemeral',
    text: clip(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(text) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(details.join('\n')) } },
    ],
  };
};

const usageLines = (command: string): string[] => [
  `\`${command} watch <task_id> [all|failures|status]\` — post this task's deployments here`,
  `\`${command} unwatch <task_id>\` — stop posting them here`,
  `\`${command} list\` — what is watched in this channel`,
  `\`${command} status <task_id>\` — the task's last known run`,
  `\`${command} report [task_id]\` — deployments, success rate, durations and recoveries of the tasks watched here`,
  `\`${command} help\` — this help`,
];

const taskLabel = (record: Pick<TaskRecord, 'taskName' | 'taskId'>): string =>
  record.taskName === '' ? `\`${record.taskId}\`` : `*${safeText(record.taskName)}* (\`${record.taskId}\`)`;

/** The task's health as this channel may know it: its own subscription only, never another channel's. */
const healthNote = (record: TaskRecord, channelId: string): string | null => {
  if (record.health.gone) return ':warning: CodeArts says this task no longer exists.';
  if (record.health.staleSince !== null) {
    return `:warning: Monitoring stale since ${slackDate(record.health.staleSince)}.`;
  }
  const broken = record.subscriptions[channelId]?.broken;
  if (broken) {
    return `:warning: Slack refuses to let the app post here (\`${safeText(broken.code, 40)}\`); fix it, then \`watch\` again.`;
  }
  return null;
};

/** What the command says when the channel's rules refuse the watch. */
const REFUSAL_TEXT: {
  [R in WatchRefusal['reason']]: (refusal: Extract<WatchRefusal, { reason: R }>) => string;
} = {
  'project-not-allowed': () =>
    ':no_entry: This channel only watches tasks of certain CodeArts projects, and this task is not in one of them. Nothing changed.',
  'project-unknown': () =>
    ':no_entry: This channel only watches tasks of certain CodeArts projects, and CodeArts could not be asked which project this task is in. Try again later; nothing changed.',
  'channel-full': ({ limit }) =>
    `:no_entry: This channel already watches ${limit} tasks, the most it may. Unwatch one first; nothing changed.`,
  'too-many-unverified': ({ limit }) =>
    `:no_entry: This channel already has ${limit} watches CodeArts has not confirmed yet. Try again once CodeArts answers; nothing changed.`,
};

const refusalText = (refusal: WatchRefusal): string =>
  (REFUSAL_TEXT[refusal.reason] as (refusal: WatchRefusal) => string)(refusal);

const codeNote = (code: string | undefined): string =>
  code === undefined ? '' : ` (\`${safeText(code, 40)}\`)`;

/** CodeArts refused the lookup itself (a `/state` record-gone only means the task never ran). */
const LOOKUP_REFUSED = {
  refused: (taskId: string, code: string | undefined) =>
    `:x: CodeArts refused to look up task \`${taskId}\`${codeNote(code)}; nothing changed.`,
};

const UNASKED = 'CodeArts could not be asked right now; watching anyway — the first poll confirms the task.';

/**
 * What the command says when CodeArts could not confirm the task, by what CodeArts answered: a failure that says
 * something about the task (or our credentials) refuses the watch; a transient one (CodeArtsError.transient) stores
 * it unverified, with a note, since the command cannot wait for CodeArts longer than Slack waits for it.
 */
const CODEARTS_TEXT: Record<
  CodeArtsErrorKind,
  { refused: (taskId: string, code: string | undefined) => string } | { storedWithNote: string }
> = {
  'task-gone': {
    refused: (taskId, code) =>
      `:x: CodeArts does not know task \`${taskId}\`${codeNote(code ?? CODEARTS_CODES.taskGone)}. Check the ID; nothing changed.`,
  },
  'bad-request': LOOKUP_REFUSED,
  'record-gone': LOOKUP_REFUSED,
  auth: {
    refused: () =>
      ':x: The notifier cannot sign in to CodeArts right now; ask whoever runs it to check its credentials. Nothing changed.',
  },
  timeout: {
    storedWithNote: 'CodeArts is slow to answer; watching anyway — the first poll confirms the task.',
  },
  throttled: { storedWithNote: UNASKED },
  server: { storedWithNote: UNASKED },
  'bad-response': { storedWithNote: UNASKED },
};

const watch = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  actor: Actor,
  taskId: string,
  notify: 'all' | 'failures' | 'status' | undefined,
  signal: AbortSignal | undefined,
): Promise<EphemeralMessage> => {
  // A watch set up through the API keeps its mode, mentions, operators, quiet hours and digest; the command only
  // changes the level.
  const current = (await deps.store.getTask(taskId))?.subscriptions[request.channelId];
  const options = {
    notify: notify ?? current?.notify ?? 'all',
    mode: current?.mode ?? 'thread',
    mentions: current?.mentions ?? [],
    ...(current?.operators === undefined ? {} : { operators: current.operators }),
    ...(current?.quietHours ? { quietHours: current.quietHours } : {}),
    ...(current?.digest ? { digest: current.digest } : {}),
  };
  const deadline = AbortSignal.timeout(deps.verifyTimeoutMs);
  try {
    const result = await watchTask(
      deps,
      { taskId, channel: request.channelId, region: undefined, options },
      actor,
      {
        signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
        storeWhenUnverified: true,
      },
    );
    // Unconfirmed, what the notifier knows of the task came from other channels' watches: show only its ID.
    const label = result.verified ? taskLabel(result.record) : `\`${taskId}\``;
    const lines: string[] = [];
    const unverified = result.verification === null ? null : CODEARTS_TEXT[result.verification.kind];
    if (unverified !== null && 'storedWithNote' in unverified) lines.push(unverified.storedWithNote);
    if (result.verified && result.run !== null) lines.push(`Latest run: ${runLine(result.run)}`);
    if (request.channelId.startsWith('G')) {
      lines.push(
        'This is a private channel: invite the app here (`/invite @CodeArts Notifier`) so it can post.',
      );
    }
    const headline =
      result.outcome === 'unchanged'
        ? `:eyes: Already watching ${label} here (notify ${options.notify}).`
        : result.outcome === 'updated'
          ? `:eyes: Updated: ${label} now notifies ${options.notify} here.`
          : `:eyes: Watching ${label} (${result.record.region}) here — notify ${options.notify}.`;
    return ephemeral(headline, lines);
  } catch (error) {
    if (error instanceof WatchRefusedError) return ephemeral(refusalText(error.refusal));
    const answer = error instanceof CodeArtsError ? CODEARTS_TEXT[error.kind] : null;
    // A transient failure was stored unverified above, so only a refusal gets here; anything else is a bug.
    if (answer === null || !('refused' in answer)) throw error;
    return ephemeral(answer.refused(taskId, (error as CodeArtsError).code));
  }
};

const notWatchedHere = (taskId: string, command: string): EphemeralMessage =>
  ephemeral(`\`${taskId}\` is not watched in this channel. Start with \`${command} watch ${taskId}\`.`);

const unwatch = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  actor: Actor,
  taskId: string,
): Promise<EphemeralMessage> => {
  const result = await unwatchTask(deps, taskId, request.channelId, actor);
  // The same answer whether another channel watches the task or nobody does.
  if (result.status !== 'removed') {
    return ephemeral(`\`${taskId}\` is not watched in this channel; nothing changed.`);
  }
  // Not a word about other channels: how many still watch it is theirs to know.
  const label = result.remaining === null ? `\`${taskId}\`` : taskLabel(result.remaining);
  return ephemeral(`:wave: Stopped watching ${label} here.`);
};

const list = async (deps: SlashCommandDeps, request: SlashCommandRequest): Promise<EphemeralMessage> => {
  const here = (await listWatches(deps.store)).filter((record) =>
    Object.hasOwn(record.subscriptions, request.channelId),
  );
  if (here.length === 0) {
    return ephemeral(`Nothing is watched in this channel yet. Try \`${request.command} watch <task_id>\`.`);
  }
  const max = 30;
  const lines = here.slice(0, max).map((record) => {
    const sub = record.subscriptions[request.channelId];
    const state = record.run === null ? 'no run yet' : runLine(record.run);
    const note = healthNote(record, request.channelId);
    return `• ${taskLabel(record)} — ${state} · notify ${sub?.notify ?? 'all'}${note === null ? '' : ` ${note}`}`;
  });
  if (here.length > max) lines.push(`…and ${here.length - max} more (see \`GET /tasks\`).`);
  return ephemeral(`Watched in this channel (${here.length}):`, lines);
};

const status = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  taskId: string,
): Promise<EphemeralMessage> => {
  const [record, cycleAt] = await Promise.all([deps.store.getTask(taskId), deps.lastCycleAt?.() ?? null]);
  // Only for this channel's own watches: a task watched elsewhere gets the same answer as an unknown one.
  if (record === null || !Object.hasOwn(record.subscriptions, request.channelId)) {
    return notWatchedHere(taskId, request.command);
  }
  const lines: string[] = [];
  if (record.run === null) lines.push('No run seen yet.');
  else lines.push(`Run \`${record.run.recordId}\`: ${runLine(record.run)}`, ...stepLines(record.run));
  const polledAt = lastPolledAt(record, cycleAt);
  lines.push(polledAt === null ? 'Not polled yet.' : `Last polled ${slackDate(polledAt)}.`);
  const note = healthNote(record, request.channelId);
  if (note !== null) lines.push(note);
  const level = record.subscriptions[request.channelId]?.notify ?? 'all';
  return ephemeral(`${taskLabel(record)} (${record.region}), watched here — notify ${level}`, lines);
};

const report = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  taskId: string | undefined,
): Promise<EphemeralMessage> => {
  // Only this channel's own watches: a task watched elsewhere gets the same answer as an unknown one.
  const here =
    taskId === undefined
      ? (await listWatches(deps.store)).filter((record) =>
          Object.hasOwn(record.subscriptions, request.channelId),
        )
      : [await deps.store.getTask(taskId)].filter(
          (record): record is TaskRecord =>
            record !== null && Object.hasOwn(record.subscriptions, request.channelId),
        );
  if (here.length === 0) {
    return taskId === undefined
      ? ephemeral(`Nothing is watched in this channel yet. Try \`${request.command} watch <task_id>\`.`)
      : notWatchedHere(taskId, request.command);
  }
  const answer = await channelReport(deps.runs, here, request.channelId, deps.now());
  return { response_type: 'ephemeral', text: answer.text, blocks: answer.blocks };
};

/** Runs the command typed in `request.channelId`; every outcome, even a typo, is a friendly answer. */
export const runSlashCommand = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  signal?: AbortSignal,
): Promise<EphemeralMessage> => {
  const command = /^\/[\w-]{1,32}$/.test(request.command) ? request.command : '/codearts';
  const req = { ...request, command };
  // Before anything else, even help: another workspace gets nothing from this notifier.
  if (!isAllowedWorkspace(deps.allowedTeams, request.teamId)) {
    return ephemeral(':no_entry: This notifier does not serve this Slack workspace, so nothing changed.');
  }
  const parsed = parseSlashCommand(request.text);
  if (parsed.kind === 'help') return ephemeral(`How to use \`${command}\`:`, usageLines(command));
  if (parsed.kind === 'usage') return ephemeral(`${parsed.problem} Usage:`, usageLines(command));
  if (!CHANNEL_ID_PATTERN.test(request.channelId)) {
    return ephemeral('I could not tell which channel this command came from, so nothing changed.');
  }
  // A change is recorded with who made it: without a user, it is not made.
  const changes = parsed.kind === 'watch' || parsed.kind === 'unwatch';
  if (changes && !USER_ID_PATTERN.test(request.userId)) {
    return ephemeral('I could not tell who typed this command, so nothing changed.');
  }
  const actor: Actor = { via: 'slack', user: request.userId, team: request.teamId };
  switch (parsed.kind) {
    case 'watch':
      return watch(deps, req, actor, parsed.taskId, parsed.notify, signal);
    case 'unwatch':
      return unwatch(deps, req, actor, parsed.taskId);
    case 'list':
      return list(deps, req);
    case 'status':
      return status(deps, req, parsed.taskId);
    case 'report':
      return report(deps, req, parsed.taskId);
  }
};
