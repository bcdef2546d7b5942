// cli → the `tasks` sub-commands: call the API, print what came back for a person.
import type { ApiClient } from './api-client.js';
import { CliError } from './api-client.js';
import { table, text, when } from './format.js';

// The API's JSON, as far as the CLI reads it. Everything is optional: print what is there.
interface StepView {
  name?: string;
  enabled?: boolean;
  progress?: string;
  elapsed?: number | null;
}
interface RunView {
  record_id?: string;
  status?: string;
  started_at?: string | null;
  ended_at?: string | null;
  executor?: string;
  steps?: StepView[] | null;
}
interface WatchView {
  channel?: string;
  notify?: string;
  mode?: string;
  mentions?: string[];
  operators?: string[];
  broken?: { code?: string; message?: string } | null;
  delivered_seq?: number;
  pending_batches?: number;
}
interface HealthView {
  status?: string;
  stale_since?: string | null;
  last_poll_at?: string | null;
  last_error?: string | null;
  broken_channels?: { channel?: string; code?: string }[];
}
interface TaskSummary {
  task_id?: string;
  name?: string;
  region?: string;
  state?: RunView | null;
  last_poll_at?: string | null;
  health?: HealthView;
  watches?: WatchView[];
}

export type Print = (line: string) => void;

const STEP_MARK: Record<string, string> = {
  done: '[x]',
  running: '[>]',
  failed: '[!]',
  pending: '[ ]',
  skipped: '[-]',
};

const health = (view: HealthView | undefined): string => {
  if (view === undefined) return '-';
  const broken = (view.broken_channels ?? []).map((b) => `${text(b.channel)}: ${text(b.code)}`);
  const base = view.status === 'stale' ? `stale since ${when(view.stale_since)}` : text(view.status);
  return broken.length === 0 ? base : `${base}; broken ${broken.join(', ')}`;
};

const runLine = (run: RunView | null | undefined): string => {
  if (run === null || run === undefined) return 'no run yet';
  const parts = [text(run.status, 'unknown')];
  if (run.started_at) parts.push(`started ${when(run.started_at)}`);
  if (run.ended_at) parts.push(`ended ${when(run.ended_at)}`);
  if (run.executor) parts.push(`by ${run.executor}`);
  return parts.join(', ');
};

const printSteps = (print: Print, run: RunView | null | undefined): void => {
  for (const step of run?.steps ?? []) {
    if (step.enabled === false) continue;
    const elapsed = typeof step.elapsed === 'number' && step.elapsed > 0 ? ` (${step.elapsed})` : '';
    print(`  ${STEP_MARK[step.progress ?? ''] ?? '[?]'} ${text(step.name)}${elapsed}`);
  }
};

export interface AddOptions {
  channel: string | undefined;
  notify: string | undefined;
  mode: string | undefined;
  mentions: string[];
  /** Who may stop, re-run and roll back from Slack (user or user-group IDs). */
  operators: string[];
  region: string | undefined;
}

export const addTask = async (
  api: ApiClient,
  print: Print,
  taskId: string,
  options: AddOptions,
): Promise<unknown> => {
  if (options.channel === undefined)
    throw new CliError('tasks add needs --channel (a Slack channel ID like C0123ABCD, or #name).');
  const body: Record<string, unknown> = { task_id: taskId, channel: options.channel };
  if (options.notify !== undefined) body.notify = options.notify;
  if (options.mode !== undefined) body.mode = options.mode;
  if (options.mentions.length > 0) body.mentions = options.mentions;
  if (options.operators.length > 0) body.operators = options.operators;
  if (options.region !== undefined) body.region = options.region;
  const answer = (await api.request('POST', '/tasks', body)) as {
    task?: { task_id?: string; name?: string; region?: string };
    watch?: WatchView | null;
    outcome?: string;
    state?: RunView | null;
  };
  const verb =
    answer.outcome === 'unchanged'
      ? 'Already watching'
      : answer.outcome === 'updated'
        ? 'Updated the watch of'
        : 'Watching';
  print(
    `${verb} ${text(answer.task?.name, '(unnamed task)')} (${text(answer.task?.task_id)}, ${text(answer.task?.region)}) ` +
      `in ${text(answer.watch?.channel)}: notify ${text(answer.watch?.notify)}, ${text(answer.watch?.mode)} mode` +
      `${answer.watch?.mentions?.length ? `, mentioning ${answer.watch.mentions.join(' ')}` : ''}` +
      `${answer.watch?.operators?.length ? `; operators ${answer.watch.operators.join(' ')}` : ''}.`,
  );
  print(`Current run: ${runLine(answer.state)}`);
  printSteps(print, answer.state);
  return answer;
};

export const listTasks = async (api: ApiClient, print: Print): Promise<unknown> => {
  const answer = (await api.request('GET', '/tasks')) as { tasks?: TaskSummary[] };
  const tasks = answer.tasks ?? [];
  if (tasks.length === 0) {
    print('No tasks are watched. Add one with: notifier tasks add <task_id> --channel <C…>');
    return answer;
  }
  print(
    table(
      ['TASK ID', 'NAME', 'REGION', 'LAST RUN', 'LAST POLL', 'HEALTH', 'CHANNELS'],
      tasks.map((task) => [
        text(task.task_id),
        text(task.name),
        text(task.region),
        task.state ? `${text(task.state.status)} ${when(task.state.started_at)}` : '-',
        when(task.last_poll_at),
        health(task.health),
        (task.watches ?? []).map((w) => text(w.channel)).join(', '),
      ]),
      60,
    ),
  );
  return answer;
};

export const showTask = async (api: ApiClient, print: Print, taskId: string): Promise<unknown> => {
  const answer = (await api.request('GET', `/tasks/${encodeURIComponent(taskId)}`)) as {
    task?: { task_id?: string; name?: string; region?: string; created_at?: string };
    subscriptions?: WatchView[];
    snapshot?: RunView | null;
    outbox?: {
      last_seq?: number;
      pending?: { seq?: number; at?: string; events?: { type?: string }[]; waiting_for?: string[] }[];
    };
    health?: HealthView;
  };
  print(
    `${text(answer.task?.name, '(unnamed task)')} (${text(answer.task?.task_id)}, ${text(answer.task?.region)})`,
  );
  print(`Health: ${health(answer.health)}; last poll ${when(answer.health?.last_poll_at)}`);
  if (answer.health?.last_error) print(`Last error: ${answer.health.last_error}`);
  print('');
  print(
    table(
      ['CHANNEL', 'NOTIFY', 'MODE', 'MENTIONS', 'DELIVERED', 'PENDING', 'STATUS'],
      (answer.subscriptions ?? []).map((sub) => [
        text(sub.channel),
        text(sub.notify),
        text(sub.mode),
        (sub.mentions ?? []).join(' ') || '-',
        text(sub.delivered_seq, '0'),
        text(sub.pending_batches, '0'),
        sub.broken ? `broken: ${text(sub.broken.code)}` : 'ok',
      ]),
    ),
  );
  print('');
  print(
    `Last run: ${answer.snapshot ? `${text(answer.snapshot.record_id)} ` : ''}${runLine(answer.snapshot)}`,
  );
  printSteps(print, answer.snapshot);
  const pending = answer.outbox?.pending ?? [];
  if (pending.length > 0) {
    print('');
    print('Undelivered changes:');
    for (const batch of pending) {
      const events = (batch.events ?? []).map((e) => text(e.type)).join(', ');
      print(
        `  #${text(batch.seq)} ${when(batch.at)}: ${events} -> waiting for ${(batch.waiting_for ?? []).join(', ')}`,
      );
    }
  }
  return answer;
};

export const removeTask = async (
  api: ApiClient,
  print: Print,
  taskId: string,
  channel: string | undefined,
): Promise<unknown> => {
  const query = channel === undefined ? '' : `?channel=${encodeURIComponent(channel)}`;
  const answer = (await api.request('DELETE', `/tasks/${encodeURIComponent(taskId)}${query}`)) as {
    removed?: { channels?: string[] };
    remaining?: TaskSummary | null;
  };
  print(`Stopped watching ${taskId} in ${(answer.removed?.channels ?? []).join(', ') || 'every channel'}.`);
  const left = (answer.remaining?.watches ?? []).map((w) => text(w.channel));
  print(left.length === 0 ? 'It is no longer watched anywhere.' : `Still watched in ${left.join(', ')}.`);
  return answer;
};
