// `/state` bodies as CodeArts sends them, for every test that reads one: the documented ones, and a scripted
// one (strings and numbers mixed, as the live service mixes them) that the fake CodeArts answers with.

/** The first step of a running deployment, as the documentation shows it (SDK field types). */
export const SELECT_SOURCE_STEP = {
  region: 'cn-north-4',
  id: 1,
  offset: 0,
  enable: true,
  name: 'Select Deployment Source',
  current_offset: 2048,
  elapsed_time: 3,
  faq_url: '',
} as const;

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
      { ...SELECT_SOURCE_STEP },
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

/** The record of {@link stateBody}'s run. */
export const RECORD_A = '2c82ffe8d00d4968a4e5f7a36d87ae17';

/** A `/state` answer as CodeArts sends it (strings and numbers mixed, zone-less times in +08:00). */
export const stateBody = (taskId: string, name: string, status = 'running') => ({
  status: 'success',
  result: {
    record_id: RECORD_A,
    task_id: taskId,
    nick_name: 'devops-bot',
    status,
    step: status === 'running' ? 'running' : 'finish',
    start_time: '2026-11-28 17:55:00',
    end_time: status === 'running' ? '' : '2026-11-28 17:58:00',
    executor: 'devcloud_test',
    task_name: name,
    step_state: [
      { ...SELECT_SOURCE_STEP },
      {
        region: 'cn-north-4',
        id: '2',
        offset: '0',
        enable: 'true',
        name: 'Start Service',
        current_offset: '512',
        elapsed_time: '12',
        faq_url: '',
      },
      {
        region: 'cn-north-4',
        id: 3,
        offset: 0,
        enable: true,
        name: 'Health Check',
        current_offset: 0,
        elapsed_time: 0,
        faq_url: '',
      },
    ],
  },
});
