// core/render → the buttons a watch's operators get on a run's message: stop while the run is
// going, re-run once it has ended, roll back a failed run to the last run that succeeded. Each asks first, in a
// confirm dialog that says what will happen; the api checks who pressed (core/actions.ts), not this.
import { ACTION_IDS, type ActionKind } from '../actions.js';
import { isTerminal, type RunState } from '../model.js';
import { isUnsuccessful } from './format.js';
import { plain } from './text.js';

type Block = Record<string, unknown>;

/** What rendering needs to offer buttons on a run of the task. */
export interface ActionContext {
  taskId: string;
  /** The watch names operators; without them no button is shown. */
  enabled: boolean;
  /** The last run of the task that succeeded (what a roll back deploys again); null: none known. */
  lastSucceeded: string | null;
}

/** Slack's limits for an actions block and its buttons (Block Kit reference: button, confirmation dialog). */
export const BUTTON_LIMITS = {
  maxElements: 25,
  buttonText: 75,
  value: 2000,
  actionId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

const short = (recordId: string): string => recordId.slice(0, 8);

interface Button {
  kind: ActionKind;
  label: string;
  style?: 'primary' | 'danger';
  title: string;
  text: string;
  confirm: string;
}

function buttonsFor(run: RunState, task: string, context: ActionContext): Button[] {
  const run8 = short(run.recordId);
  if (!isTerminal(run.status)) {
    return [
      {
        kind: 'stop',
        label: '⏹️ Stop',
        style: 'danger',
        title: 'Stop this deployment?',
        text: `Stops run ${run8} of ${task} in CodeArts now. Steps already done are not undone.`,
        confirm: 'Stop it',
      },
    ];
  }
  const buttons: Button[] = [
    {
      kind: 'rerun',
      label: '🔁 Re-run',
      title: 'Run this deployment again?',
      text: `Starts a new run of ${task} in CodeArts with the parameters run ${run8} was started with (secret ones take the task's own values).`,
      confirm: 'Re-run',
    },
  ];
  const target = context.lastSucceeded;
  if (isUnsuccessful(run.status) && target !== null && target !== run.recordId) {
    buttons.push({
      kind: 'rollback',
      label: '⏪ Roll back',
      style: 'primary',
      title: 'Roll back to the last success?',
      text: `Starts a new run of ${task} in CodeArts that deploys again what run ${short(target)} deployed, the last run that succeeded.`,
      confirm: 'Roll back',
    });
  }
  return buttons;
}

const plainText = (text: string) => ({ type: 'plain_text', text, emoji: true });

/**
 * The actions block for `run`'s message, or null when the watch has no operators (or nothing fits the run).
 * The button `value` is `{"task_id":"…","record_id":"…"}` (app/interactions/payload.ts reads it): the run the
 * button is on.
 */
export function actionButtons(
  run: RunState,
  taskName: string,
  context: ActionContext | undefined,
): Block | null {
  if (context === undefined || !context.enabled || run.recordId === '') return null;
  const task = plain(taskName, 120);
  const value = JSON.stringify({ task_id: context.taskId, record_id: run.recordId });
  const elements = buttonsFor(run, task, context).map((b) => ({
    type: 'button',
    action_id: ACTION_IDS[b.kind],
    text: plainText(b.label),
    value,
    ...(b.style === undefined ? {} : { style: b.style }),
    confirm: {
      title: plainText(b.title),
      text: plainText(plain(b.text, BUTTON_LIMITS.confirmText)),
      confirm: plainText(b.confirm),
      deny: plainText('Cancel'),
      ...(b.style === 'danger' ? { style: 'danger' } : {}),
    },
  }));
  return elements.length === 0 ? null : { type: 'actions', block_id: 'codearts_actions', elements };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const textLength = (v: unknown): number | null =>
  isObj(v) && typeof v.text === 'string' ? v.text.length : null;

function within(out: string[], where: string, value: unknown, max: number): void {
  const length = textLength(value);
  if (length === null || length === 0 || length > max)
    out.push(`${where}: length ${length ?? 'none'} outside 1..${max}`);
}

/** Every way an actions block breaks Slack's limits (for slackLimitViolations). */
export function actionsBlockViolations(block: Record<string, unknown>, where: string): string[] {
  const out: string[] = [];
  const elements = Array.isArray(block.elements) ? block.elements : [];
  if (elements.length === 0 || elements.length > BUTTON_LIMITS.maxElements) {
    out.push(`${where}: ${elements.length} elements outside 1..${BUTTON_LIMITS.maxElements}`);
  }
  elements.forEach((element, i) => {
    const at = `${where}.elements[${i}]`;
    if (!isObj(element) || element.type !== 'button') {
      out.push(`${at}: not a button`);
      return;
    }
    within(out, `${at}.text`, element.text, BUTTON_LIMITS.buttonText);
    const id = element.action_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > BUTTON_LIMITS.actionId)
      out.push(`${at}: bad action_id`);
    if (typeof element.value === 'string' && element.value.length > BUTTON_LIMITS.value)
      out.push(`${at}: value too long`);
    if (element.confirm !== undefined) {
      const c = isObj(element.confirm) ? element.confirm : {};
      within(out, `${at}.confirm.title`, c.title, BUTTON_LIMITS.confirmTitle);
      within(out, `${at}.confirm.text`, c.text, BUTTON_LIMITS.confirmText);
      within(out, `${at}.confirm.confirm`, c.confirm, BUTTON_LIMITS.confirmButton);
      within(out, `${at}.confirm.deny`, c.deny, BUTTON_LIMITS.confirmButton);
    }
  });
  return out;
}
