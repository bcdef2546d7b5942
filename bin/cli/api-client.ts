// cli → the notifier's HTTP API as the CLI sees it: JSON in and out, every failure a sentence for a person.

export interface ApiClientOptions {
  endpoint: string;
  key: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Anything that stops a command; `message` is shown as is, and the CLI exits 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

const describeNetworkError = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : String(cause);
};

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const { endpoint, key, timeoutMs } = this.options;
    const url = `${endpoint.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new CliError(
          `No answer from the notifier at ${endpoint} within ${Math.round(timeoutMs / 1000)} s.`,
        );
      }
      throw new CliError(
        `Cannot reach the notifier at ${endpoint} (${describeNetworkError(error)}). Is it running? ` +
          'Set --endpoint or NOTIFIER_ENDPOINT.',
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) {
      if (json === undefined)
        throw new CliError(`Unexpected answer from ${endpoint}: HTTP ${response.status}, not JSON.`);
      return json;
    }
    const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `HTTP ${response.status}`;
    const message = typeof error?.message === 'string' ? error.message : response.statusText;
    if (response.status === 401) {
      throw new CliError(
        `The API key was refused (401 ${code}): ${message}. Pass --key or set NOTIFIER_API_KEY.`,
      );
    }
    throw new CliError(`${message} (${response.status} ${code})`);
  }
}
