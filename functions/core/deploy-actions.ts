// core → the answers of the calls that act on a task: StartDeployTask (a new
// run, or a rollback to an earlier record), StopDeployTask and ShowExecutionParams. Each answer has its own
// shape (flat, wrapped, bare array), so each has its own parser; all throw MalformedStateError only.
//
// Written by hand for the same reasons as parseApplicationPage: per-field rules and one documented error.

import { get, ID_PATTERN, isObject } from './codearts-json.js';
import { MalformedStateError } from './normalise.js';

/** One parameter a run was executed with, as ShowExecutionParams reports it. */
export interface ExecutionParam {
  name: string;
  /** `text`, `host_group`, `encrypt`, `enum`, or whatever CodeArts sends ('' when absent). */
  type: string;
  /** The value as shown; null when CodeArts shows none. An `encrypt` value may be a mask, not the secret. */
  value: string | null;
}

/** A parameter to start a run with (StartDeployTask's `params[]`: `{key, value, type}` on the wire). */
export interface StartParam {
  name: string;
  value: string;
  /** `text`, `host_group`, `encrypt` or `enum`; required by CodeArts for runtime parameters. */
  type?: string;
}

const scalarText = (value: unknown): string | null | undefined => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return null;
  return undefined;
};

/**
 * ShowExecutionParams: a bare array of `{name, type, value}`. Strict about the list and the names (a re-run
 * must not send a parameter it could not name), tolerant about types and numbers or booleans as values.
 */
export function parseExecutionParams(body: unknown): ExecutionParam[] {
  if (!Array.isArray(body)) throw new MalformedStateError('body', 'the execution parameters are not a list');
  return Array.from(body, (item: unknown, i): ExecutionParam => {
    if (!isObject(item)) throw new MalformedStateError(`[${i}]`, 'an execution parameter is not an object');
    const name = get(item, 'name');
    if (typeof name !== 'string' || name.trim() === '') {
      throw new MalformedStateError(`[${i}].name`, 'an execution parameter has no name');
    }
    const value = scalarText(get(item, 'value'));
    if (value === undefined) {
      throw new MalformedStateError(
        `[${i}].value`,
        `execution parameter ${name} has a value that is not text`,
      );
    }
    const type = get(item, 'type');
    return { name, type: typeof type === 'string' ? type : '', value };
  });
}

/**
 * The parameters to re-run a record with: the ones it shows, except `encrypt` ones and those without a
 * value. Those are left out so that CodeArts uses the task's own values: what ShowExecutionParams shows
 * for a secret is not the secret, and sending it back would deploy with the mask.
 */
export function paramsForRerun(params: readonly ExecutionParam[]): StartParam[] {
  return params.flatMap((p) =>
    p.value === null || p.type === 'encrypt'
      ? []
      : [{ name: p.name, value: p.value, ...(p.type === '' ? {} : { type: p.type }) }],
  );
}

/**
 * StartDeployTask's flat answer `{id, task_id, job_name, app_component_list}`: the new run's record ID.
 * An answer about another task is refused rather than believed.
 */
export function parseStartedRun(body: unknown, taskId: string): { recordId: string } {
  if (!isObject(body)) throw new MalformedStateError('body', 'the start answer is not a JSON object');
  const recordId = get(body, 'id');
  if (typeof recordId !== 'string' || !ID_PATTERN.test(recordId)) {
    throw new MalformedStateError('id', 'the start answer has no valid record ID');
  }
  const answeredFor = get(body, 'task_id');
  if (answeredFor !== undefined && answeredFor !== null && answeredFor !== taskId) {
    throw new MalformedStateError('task_id', 'the start answer is about another task');
  }
  return { recordId };
}

/**
 * StopDeployTask's wrapped answer `{"status":"success","result":{id, task_id}}`. Anything but success, or
 * an answer naming another record or task, is refused.
 */
export function parseStopAnswer(body: unknown, taskId: string, recordId: string): void {
  if (!isObject(body)) throw new MalformedStateError('body', 'the stop answer is not a JSON object');
  if (get(body, 'status') !== 'success') {
    throw new MalformedStateError('status', 'the stop answer does not say success');
  }
  const result = get(body, 'result');
  if (result === undefined || result === null) return;
  if (!isObject(result)) throw new MalformedStateError('result', 'the stop answer result is not an object');
  const id = get(result, 'id');
  if (id !== undefined && id !== null && id !== recordId) {
    throw new MalformedStateError('result.id', 'the stop answer is about another record');
  }
  const answeredFor = get(result, 'task_id');
  if (answeredFor !== undefined && answeredFor !== null && answeredFor !== taskId) {
    throw new MalformedStateError('result.task_id', 'the stop answer is about another task');
  }
}
