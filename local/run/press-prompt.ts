// local/run → pressing the living message's buttons from the terminal, where Slack is drawn and nobody can click:
// `stop`, `rerun` or `rollback` (optionally followed by a task ID) typed at the prompt becomes the signed request
// Slack would send for that button on the task's latest run, posted to the local API like any other.
import { createInterface, type Interface } from 'node:readline';
import type { ActionKind } from '../../functions/core/actions.js';
import type { WatchStore } from '../../functions/ports.js';
import { localResponseUrl, pressBody, signedHeaders } from '../slack-press.js';

export interface PressPromptOptions {
  input: NodeJS.ReadableStream;
  apiUrl: string;
  signingSecret: string;
  store: Pick<WatchStore, 'getTask'>;
  /** Who presses (an operator of the demo watch) and in which workspace. */
  user: string;
  team: string;
  /** The task a bare `stop` acts on (the demo task). */
  defaultTaskId: string | null;
  print: (lines: string[]) => void;
  fetch?: typeof fetch;
}

const KINDS: Record<string, ActionKind> = {
  stop: 'stop',
  rerun: 'rerun',
  're-run': 'rerun',
  rollback: 'rollback',
};
const LABEL: Record<ActionKind, string> = { stop: '⏹️ Stop', rerun: '🔁 Re-run', rollback: '⏪ Roll back' };

export const PROMPT_HELP =
  'Type stop, rerun or rollback (then Enter) to press that button on the latest run.';

export function startPressPrompt(options: PressPromptOptions): { stop(): void } {
  const lines: Interface = createInterface({ input: options.input, terminal: false });
  lines.on('line', (line) => {
    pressFromLine(options, line.trim()).catch((error: unknown) =>
      options.print([`  press failed: ${error instanceof Error ? error.message : String(error)}`]),
    );
  });
  return { stop: () => lines.close() };
}

/** One line typed at the prompt. Exported for tests. */
export async function pressFromLine(options: PressPromptOptions, line: string): Promise<void> {
  if (line === '') return;
  const [word = '', given] = line.split(/\s+/);
  const kind = KINDS[word.toLowerCase()];
  if (kind === undefined) {
    options.print([`  ${PROMPT_HELP}`]);
    return;
  }
  const taskId = given?.toLowerCase() ?? options.defaultTaskId;
  const record = taskId ? await options.store.getTask(taskId) : null;
  if (record === null) {
    options.print([given === undefined ? '  No task to press a button on.' : `  ${given} is not watched.`]);
    return;
  }
  const channel = Object.values(record.subscriptions).find((s) => (s.operators ?? []).length > 0)?.channel;
  if (record.run === null || channel === undefined) {
    options.print([
      `  ${record.taskName || record.taskId} has ${record.run === null ? 'no run yet' : 'no watch with operators'}.`,
    ]);
    return;
  }
  const body = pressBody({
    kind,
    taskId: record.taskId,
    recordId: record.run.recordId,
    channel,
    user: options.user,
    team: options.team,
    responseUrl: localResponseUrl(options.team),
  });
  options.print([
    `  pressing ${LABEL[kind]} on run ${record.run.recordId.slice(0, 8)} of ${record.taskName || record.taskId} in ${channel} as <@${options.user}>`,
  ]);
  const response = await (options.fetch ?? fetch)(`${options.apiUrl}/slack/interactions`, {
    method: 'POST',
    headers: signedHeaders(options.signingSecret, body),
    body,
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok)
    options.print([`  the API answered ${response.status}: ${(await response.text()).slice(0, 200)}`]);
}
