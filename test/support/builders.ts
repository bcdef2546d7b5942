// Test builders for domain values.
import type { RunState, StepState, WatchRequest } from '../../functions/core/model.js';

export const TASK_ID = 'e700f15965694253940502911220d76b';
export const RECORD_ID = '2c82ffe8d00d4968a4e5f7a36d87ae17';

export function aStep(index: number, overrides: Partial<StepState> = {}): StepState {
  return {
    index,
    id: String(index + 1),
    name: `Step ${index + 1}`,
    enabled: true,
    progress: 'pending',
    elapsed: null,
    currentOffset: null,
    faqUrl: null,
    ...overrides,
  };
}

export function aRun(overrides: Partial<RunState> = {}): RunState {
  return {
    recordId: RECORD_ID,
    taskId: TASK_ID,
    taskName: 'gateway-prod',
    status: 'running',
    rawStatus: 'running',
    stepsFinished: false,
    startedAt: '2026-11-28T10:00:00.000Z',
    endedAt: null,
    executor: 'devcloud_test',
    steps: [aStep(0, { progress: 'running', elapsed: 3 }), aStep(1)],
    ...overrides,
  };
}

export function aWatch(overrides: Partial<WatchRequest> = {}): WatchRequest {
  return {
    taskId: TASK_ID,
    region: 'cn-north-4',
    taskName: 'gateway-prod',
    run: aRun(),
    channel: 'C0123456789',
    options: { notify: 'all', mode: 'thread', mentions: [] },
    ...overrides,
  };
}
