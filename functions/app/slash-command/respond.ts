// app → runs one slash command for the channel it was typed in and says what happened, ephemerally.
// Slack gives us 3 s; CodeArts verification gets a shorter deadline, and a slow CodeArts does not block
// the watch (the first poll confirms the task).
import type { TaskRecord } from '../../core/model.js';
import { CHANNEL_ID_PATTERN } from '../registration/schema.js';
import { lastPolledAt } from '../registration/views.js';
import {
  listWatches,
  type RegistrationDeps,
  unwatchTask,
  VerificationError,
  watchTask,
} from '../registration/watches.js';
import { parseSlashCommand } from './parse.js';
import { clip, runLine, safeText, slackDate, stepLines } from './render.js';

export interface SlashCommandDeps extends RegistrationDeps {
  /** How long `watch` waits for CodeArts before storing the watch unverified (Slack allows 3 s in all). */
  verifyTimeoutMs: number;
  /** When the poller last completed a cycle (ISO), for "last polled"; see `lastPolledAt`. */
  lastCycleAt?: () => Promise<string | null>;
}

export interface SlashCommandRequest {
  text: string;
  /** The conversation the command was typed in (`channel_id`). */
  channelId: string;
  userId: string;
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
  `\`${command} help\` — this help`,
];

const taskLabel = (record: Pick<TaskRecord, 'taskName' | 'taskId'>): string =>
  record.taskName === '' ? `\`${record.taskId}\`` : `*${safeText(record.taskName)}* (\`${record.taskId}\`)`;

const healthNote = (record: TaskRecord): string | null => {
  if (record.health.gone) return ':warning: CodeArts says this task no longer exists.';
  if (record.health.staleSince !== null) {
    return `:warning: Monitoring stale since ${slackDate(record.health.staleSince)}.`;
  }
  const broken = Object.values(record.subscriptions).find((sub) => sub.broken !== null);
  if (broken?.broken) return `:warning: Slack refuses <#${broken.channel}>: \`${broken.broken.code}\`.`;
  return null;
};

const watch = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  taskId: string,
  notify: 'all' | 'failures' | 'status' | undefined,
  signal: AbortSignal | undefined,
): Promise<EphemeralMessage> => {
  // A watch set up through the API keeps its mode and mentions; the command only changes the level.
  const current = (await deps.store.getTask(taskId))?.subscriptions[request.channelId];
  const options = {
    notify: notify ?? current?.notify ?? 'all',
    mode: current?.mode ?? 'thread',
    mentions: current?.mentions ?? [],
  };
  const deadline = AbortSignal.timeout(deps.verifyTimeoutMs);
  try {
    const result = await watchTask(
      deps,
      { taskId, channel: request.channelId, region: undefined, options },
      {
        signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
        storeWhenUnverified: true,
      },
    );
    const label = taskLabel(result.record);
    const lines: string[] = [];
    if (result.verification !== null) {
      lines.push(
        result.verification.kind === 'codearts-timeout'
          ? 'CodeArts is slow to answer; watching anyway — the first poll confirms the task.'
          : 'CodeArts could not be asked right now; watching anyway — the first poll confirms the task.',
      );
    }
    if (result.run !== null) lines.push(`Latest run: ${runLine(result.run)}`);
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
    if (!(error instanceof VerificationError)) throw error;
    const code = error.codeArtsCode === undefined ? '' : ` (\`${safeText(error.codeArtsCode, 40)}\`)`;
    switch (error.kind) {
      case 'task-not-found':
        return ephemeral(
          `:x: CodeArts does not know task \`${taskId}\`${code}. Check the ID; nothing changed.`,
        );
      case 'task-rejected':
        return ephemeral(`:x: CodeArts refused to look up task \`${taskId}\`${code}; nothing changed.`);
      default:
        return ephemeral(
          ':x: The notifier cannot sign in to CodeArts right now; ask whoever runs it to check its credentials. Nothing changed.',
        );
    }
  }
};

const unwatch = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  taskId: string,
): Promise<EphemeralMessage> => {
  const result = await unwatchTask(deps, taskId, request.channelId);
  if (result.status !== 'removed') {
    return ephemeral(`\`${taskId}\` is not watched in this channel; nothing changed.`);
  }
  const others = result.remaining === null ? 0 : Object.keys(result.remaining.subscriptions).length;
  const label = result.remaining === null ? `\`${taskId}\`` : taskLabel(result.remaining);
  return ephemeral(
    `:wave: Stopped watching ${label} here.${others > 0 ? ` Still watched in ${others} other channel${others === 1 ? '' : 's'}.` : ''}`,
  );
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
    const note = healthNote(record);
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
  if (record === null) {
    return ephemeral(`\`${taskId}\` is not watched. Start with \`${request.command} watch ${taskId}\`.`);
  }
  const lines: string[] = [];
  if (record.run === null) lines.push('No run seen yet.');
  else lines.push(`Run \`${record.run.recordId}\`: ${runLine(record.run)}`, ...stepLines(record.run));
  const polledAt = lastPolledAt(record, cycleAt);
  lines.push(polledAt === null ? 'Not polled yet.' : `Last polled ${slackDate(polledAt)}.`);
  const note = healthNote(record);
  if (note !== null) lines.push(note);
  const channels = Object.keys(record.subscriptions).length;
  return ephemeral(
    `${taskLabel(record)} (${record.region}), watched in ${channels} channel${channels === 1 ? '' : 's'}`,
    lines,
  );
};

/** Runs the command typed in `request.channelId`; every outcome, even a typo, is a friendly answer. */
export const runSlashCommand = async (
  deps: SlashCommandDeps,
  request: SlashCommandRequest,
  signal?: AbortSignal,
): Promise<EphemeralMessage> => {
  const command = /^\/[\w-]{1,32}$/.test(request.command) ? request.command : '/codearts';
  const req = { ...request, command };
  const parsed = parseSlashCommand(request.text);
  if (parsed.kind === 'help') return ephemeral(`How to use \`${command}\`:`, usageLines(command));
  if (parsed.kind === 'usage') return ephemeral(`${parsed.problem} Usage:`, usageLines(command));
  if (!CHANNEL_ID_PATTERN.test(request.channelId)) {
    return ephemeral('I could not tell which channel this command came from, so nothing changed.');
  }
  switch (parsed.kind) {
    case 'watch':
      return watch(deps, req, parsed.taskId, parsed.notify, signal);
    case 'unwatch':
      return unwatch(deps, req, parsed.taskId);
    case 'list':
      return list(deps, req);
    case 'status':
      return status(deps, req, parsed.taskId);
  }
};
