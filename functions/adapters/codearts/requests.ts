// adapters/codearts → the request bodies of the feed and acting calls, checked before anything is sent:
// an option CodeArts would refuse (or that could change what the call means) is a 'bad-request' here, and
// no request leaves the client. The rules are the ones CodeArts documents for ListAllApp and StartDeployTask.
import { APPLICATION_STATES, isApplicationState } from '../../core/applications.js';
import { ID_PATTERN } from '../../core/codearts-json.js';
import type { StartParam } from '../../core/deploy-actions.js';
import { CodeArtsError, type ListApplicationsOptions, type StartTaskOptions } from '../../ports.js';

const invalid = (message: string): CodeArtsError => new CodeArtsError('bad-request', message);

/** Task, record and project IDs go into paths and bodies: 32 characters [A-Za-z0-9]. */
export const checkId = (what: string, id: unknown): string => {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw invalid(`invalid CodeArts ${what} ${JSON.stringify(id)}: expected 32 characters [A-Za-z0-9]`);
  }
  return id;
};

const SORT_NAMES: ReadonlySet<unknown> = new Set(['name', 'startTime']);
const SORT_ORDERS: ReadonlySet<unknown> = new Set(['ASC', 'DESC']);

/** ListAllApp's body (`ListAllAppRequestBody`). */
export const applicationListBody = (projectId: string, options: ListApplicationsOptions): string => {
  checkId('project ID', projectId);
  const { page, size, sortName, sortBy, states } = options;
  if (!Number.isSafeInteger(page) || page < 1) throw invalid(`page must be an integer >= 1, got ${page}`);
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw invalid(`size must be an integer from 1 to 100, got ${size}`);
  }
  if (sortName !== undefined && !SORT_NAMES.has(sortName)) {
    throw invalid(`sortName must be name or startTime, got ${JSON.stringify(sortName)}`);
  }
  if (sortBy !== undefined && !SORT_ORDERS.has(sortBy)) {
    throw invalid(`sortBy must be ASC or DESC, got ${JSON.stringify(sortBy)}`);
  }
  if (states !== undefined && (!Array.isArray(states) || !states.every(isApplicationState))) {
    throw invalid(`states must be a list of ${APPLICATION_STATES.join(', ')}`);
  }
  return JSON.stringify({
    project_id: projectId,
    page,
    size,
    ...(sortName === undefined ? {} : { sort_name: sortName }),
    ...(sortBy === undefined ? {} : { sort_by: sortBy }),
    ...(states === undefined || states.length === 0 ? {} : { states: [...new Set(states)] }),
  });
};

const PARAM_NAME = /^[A-Za-z0-9\-_.]{1,128}$/;
const PARAM_TYPES: ReadonlySet<unknown> = new Set(['text', 'host_group', 'encrypt', 'enum']);
const TEMPLATE_SYNTAX = /\{\{|\{%|\{#/;
const MAX_VALUE_LENGTH = 8192;

const paramEntry = (param: StartParam, i: number): { key: string; value: string; type?: string } => {
  const { name, value, type } = param ?? ({} as StartParam);
  if (typeof name !== 'string' || !PARAM_NAME.test(name)) {
    throw invalid(
      `params[${i}].name must be 1-128 characters of [A-Za-z0-9-_.], got ${JSON.stringify(name)}`,
    );
  }
  if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH || TEMPLATE_SYNTAX.test(value)) {
    throw invalid(
      `params[${i}] (${name}): the value must be text of at most 8192 characters without {{, {% or {#`,
    );
  }
  if (type !== undefined && !PARAM_TYPES.has(type)) {
    throw invalid(
      `params[${i}] (${name}): type must be text, host_group, encrypt or enum, got ${JSON.stringify(type)}`,
    );
  }
  return { key: name, value, ...(type === undefined ? {} : { type }) };
};

/** StartDeployTask's body (`EnvExecutionBody`): params, or the record to roll back to; both is ambiguous. */
export const startBody = (options: StartTaskOptions): string => {
  const { params, recordId } = options;
  if (params !== undefined && !Array.isArray(params)) throw invalid('params must be a list');
  if (recordId !== undefined) checkId('record ID', recordId);
  if (recordId !== undefined && params !== undefined) {
    throw invalid('a rollback (recordId) deploys that record as it was: it takes no params');
  }
  const entries = params?.map(paramEntry);
  const names = new Set(entries?.map((e) => e.key));
  if (entries !== undefined && names.size !== entries.length) throw invalid('params name a parameter twice');
  return JSON.stringify({
    ...(entries === undefined ? {} : { params: entries }),
    ...(recordId === undefined ? {} : { record_id: recordId }),
  });
};
