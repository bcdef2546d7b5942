// Raw HTTP against the simulator, for tests of the simulator's own wire behaviour.
import type { CodeArtsSimulator } from '../../../local/codearts-simulator/index.js';

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON whatever the content type (undefined when it is not JSON). */
  json: unknown;
}

export const call = async (
  sim: CodeArtsSimulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<RawAnswer> => {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['X-Auth-Token'] = options.token;
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (options.body !== undefined && !hasType) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
};

/** Shorthand for a property path in parsed JSON. */
export const get = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>(
    (v, key) =>
      typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[key] : undefined,
    value,
  );
