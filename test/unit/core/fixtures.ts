// Builders shared by the core tests: `/state` bodies as CodeArts sends them, and compact RunStates.
import type {
  RunState,
  RunStatus,
  StepProgress,
  StepState,
  TaskEvent,
} from '../../../functions/core/model.js';

export const TIME_ZONE = '+08:00';
export const TASK_ID = 'e700f15965694253940502911220d76b';

/** The `/state` 200 CodeArts documents for a finished run, without steps. */
export const DOC_FINISHED_BODY = {
  status: 'success',
  result: {
    record_id: '2c82ffe8d00d4968a4e5f7a36d87ae17',
    task_id: 'e700f15965694253940502911220d76b',
    nick_name: 'A/B side account',
    status: 'succeeded',
    step: 'finish',
    start_time: '2025-07-09 11:36:28',
    end_time: '2025-07-09 11:36:43',
    executor: 'devcloud_test',
    task_name: 'test',
  },
} as const;

/** The `/state` 200 CodeArts documents for a running deployment with `step_state=true`, SDK field types. */
export const DOC_RUNNING_BODY = {
  status: 'success',
  result: {
    record_id: '5a1f0c3e9b7d4e2fa6c8b1d3e5f70912',
    task_id: 'e700f15965694253940502911220d76b',
    nick_name: 'devops-bot',
    status: 'running',
    step: 'running',
    start_time: '2025-07-09 11:36:28',
    end_time: '',
    executor: 'devcloud_test',
    task_name: 'test',
    step_state: [
      {
        region: 'cn-north-4',
        id: 1,
        offset: 0,
        enable: true,
        name: 'Select Deployment Source',
        current_offset: 2048,
        elapsed_time: 3,
        faq_url: '',
      },
      {
        region: 'cn-north-4',
        id: 2,
        offset: 0,
        enable: true,
        name: 'Start Spring Boot Service',
        current_offset: 512,
        elapsed_time: 12,
        faq_url: '',
      },
    ],
  },
} as const;

/** Every StepInfo scalar as a string, the way the documentation types them. */
export function stringlyStep(step: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(step).map(([k, v]) => [
      k,
      typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
    ]),
  );
}

/** A deep copy of a JSON value with `result` fields replaced (undefined deletes a field). */
export function withResult(
  body: { status: string; result: Record<string, unknown> },
  changes: Record<string, unknown>,
): { status: string; result: Record<string, unknown> } {
  const result: Record<string, unknown> = { ...structuredClone(body.result) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete result[k];
    else result[k] = v;
  }
  return { status: body.status, result };
}

/** A 32-character record ID made from one letter, so tables can say 'A' and 'B'. */
export const rec = (letter: string): string => letter.toLowerCase().repeat(32);

const PROGRESS: Record<string, StepProgress> = {
  p: 'pending',
  r: 'running',
  d: 'done',
  f: 'failed',
  s: 'skipped',
};

/** Steps from letters: p pending, r running, d done, f failed, s skipped (disabled). */
export function steps(letters: string): StepState[] {
  return [...letters].map((letter, index): StepState => {
    const progress = PROGRESS[letter];
    if (progress === undefined) throw new Error(`unknown step letter ${letter}`);
    const begun = progress === 'running' || progress === 'done' || progress === 'failed';
    return {
      index,
      id: String(index + 1),
      name: `Step ${index + 1}`,
      enabled: progress !== 'skipped',
      progress,
      elapsed: begun ? 10 : 0,
      currentOffset: begun ? 100 : 0,
      faqUrl: null,
    };
  });
}

/** A compact RunState: `run('A', 'running', 'drp')`; `stepLetters` null means no step_state. */
export function run(
  letter: string,
  status: RunStatus,
  stepLetters: string | null,
  extra: Partial<RunState> = {},
): RunState {
  return {
    recordId: rec(letter),
    taskId: TASK_ID,
    taskName: 'gateway-prod',
    status,
    rawStatus: status,
    stepsFinished: status !== 'running' && status !== 'pending' && status !== 'unknown',
    startedAt: '2025-07-09T03:36:28.000Z',
    endedAt: null,
    executor: 'devcloud_test',
    steps: stepLetters === null ? null : steps(stepLetters),
    ...extra,
  };
}

/** Progress of each step as letters (the inverse of {@link steps}). */
export const letters = (run: RunState): string | null =>
  run.steps === null
    ? null
    : run.steps.map((s) => Object.entries(PROGRESS).find(([, p]) => p === s.progress)?.[0] ?? '?').join('');

/** Events as short strings: `A run.started`, `A started 0`, `A finished 0`, `A run.finished failed`. */
export function summary(events: readonly TaskEvent[]): string[] {
  return events.map((e) => {
    const who = (e.recordId[0] ?? '?').toUpperCase();
    switch (e.type) {
      case 'run.started':
        return `${who} run.started`;
      case 'run.finished':
        return `${who} run.finished ${e.status}`;
      default:
        return `${who} ${e.type.slice('step.'.length)} ${e.step}`;
    }
  });
}
