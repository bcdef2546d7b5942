// local/codearts-simulator → reading request bodies and query parameters the way the Deploy API validates
// them: anything malformed is a 400 in CodeArts' documented error shape, never a guess.
import { paramError } from './errors.js';
import type { SimParam } from './world.js';

export const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw paramError('Param invalid: the body is not valid JSON');
  }
};

/** A JSON object body; an empty body counts as `{}` when `emptyIsObject`. */
export const parseObject = (
  body: Buffer,
  options: { emptyIsObject?: boolean } = {},
): Record<string, unknown> => {
  if (body.length === 0 && options.emptyIsObject) return {};
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw paramError('Param invalid: the body must be a JSON object');
  }
  return value as Record<string, unknown>;
};

export const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

export const intParam = (text: string, min: number, max: number): number => {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isInt(value, min, max)) throw paramError(`Param invalid: ${text} is not an integer in ${min}-${max}`);
  return value;
};

const PARAM_TYPES: ReadonlySet<string> = new Set(['text', 'host_group', 'encrypt', 'enum']);
const PARAM_KEY = /^[A-Za-z0-9\-_.]{1,128}$/;
const TEMPLATE_SYNTAX = /\{\{|\{%|\{#/;

/** StartDeployTask's EnvExecutionBody.params (`[{key, value, type}]`) → what ShowExecutionParams reports. */
export const parseParams = (value: unknown): SimParam[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw paramError('Param invalid: params must be an array');
  return value.map((item, i) => {
    const key = field(item, 'key');
    const val = field(item, 'value');
    const type = field(item, 'type');
    if (typeof key !== 'string' || !PARAM_KEY.test(key)) {
      throw paramError(`Param invalid: params[${i}].key must be 1-128 characters of [A-Za-z0-9-_.]`);
    }
    if (typeof val !== 'string' || val.length > 8192 || TEMPLATE_SYNTAX.test(val)) {
      throw paramError(
        `Param invalid: params[${i}].value must be a string of at most 8192 characters without {{, {% or {#`,
      );
    }
    if (type !== undefined && (typeof type !== 'string' || !PARAM_TYPES.has(type))) {
      throw paramError(`Param invalid: params[${i}].type must be text, host_group, encrypt or enum`);
    }
    return { name: key, type: typeof type === 'string' ? type : 'text', value: val };
  });
};
