// adapters/codearts → IAM password → project-scoped token (`POST /v3/auth/tokens`), cached per region
// until shortly before it expires. Concurrent callers share one IAM request; that request runs on
// its own timeout so one impatient caller cannot fail it for the others.
import { CodeArtsError } from '../../ports.js';
import { untilAborted } from '../../shared/abort.js';
import type { PasswordAuth } from '../../shared/codearts-auth.js';
import { httpError } from './errors.js';
import { abortedByCaller, exchange } from './http.js';

/** How an abandoned wait for a token is described (the request itself goes on for the other callers). */
const TOKEN_CALL = 'IAM POST /v3/auth/tokens';

/** Renew this long before `expires_at`, so a token never expires mid-cycle. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60 * 1000;
const DOCUMENTED_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface CachedToken {
  token: string;
  refreshAt: number;
}

export interface IamTokenProviderOptions {
  auth: PasswordAuth;
  defaultRegion: string;
  iamBase: (region: string) => string;
  timeoutMs: number;
  now: () => number;
  redact: (text: string) => string;
}

export class IamTokenProvider {
  readonly #o: IamTokenProviderOptions;
  readonly #cache = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<CachedToken>>();
  /** Recently issued tokens, including replaced ones, so a late error message can still be scrubbed. */
  readonly #recent: string[] = [];

  constructor(options: IamTokenProviderOptions) {
    this.#o = options;
  }

  /** Tokens recently held (for scrubbing them from error messages). */
  held(): readonly string[] {
    return this.#recent;
  }

  /** A valid token for `region`: cached, or from the one in-flight IAM request, or a new one. */
  async token(region: string, signal?: AbortSignal): Promise<string> {
    const cached = this.#cache.get(region);
    if (cached !== undefined && this.#o.now() < cached.refreshAt) return cached.token;
    let pending = this.#inflight.get(region);
    if (pending === undefined) {
      pending = this.#request(region).finally(() => this.#inflight.delete(region));
      this.#inflight.set(region, pending);
    }
    return (await untilAborted(pending, signal, (aborted) => abortedByCaller(TOKEN_CALL, aborted))).token;
  }

  /** Drops `token` after a 401, unless another caller has already replaced it. */
  invalidate(region: string, token: string): void {
    if (this.#cache.get(region)?.token === token) this.#cache.delete(region);
  }

  async #request(region: string): Promise<CachedToken> {
    const { auth, now, redact } = this.#o;
    const projectName = region === this.#o.defaultRegion ? (auth.projectName ?? region) : region;
    const url = new URL(`${this.#o.iamBase(region).replace(/\/+$/, '')}/v3/auth/tokens?nocatalog=true`);
    const what = `IAM POST ${url.pathname} (domain ${auth.domainName}, user ${auth.userName}, project ${projectName})`;
    const result = await exchange(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: {
                user: { domain: { name: auth.domainName }, name: auth.userName, password: auth.password },
              },
            },
            scope: { project: { name: projectName } },
          },
        }),
      },
      { what, timeoutMs: this.#o.timeoutMs },
    );
    const requestId = result.headers.get('x-request-id') ?? undefined;
    if (result.status < 200 || result.status >= 300) {
      const credentialProblem = result.status >= 400 && result.status < 500 && result.status !== 429;
      throw httpError({
        what,
        status: result.status,
        statusText: result.statusText,
        body: result.body,
        requestId,
        retryAfter: result.headers.get('retry-after'),
        nowMs: now(),
        redact,
        ...(credentialProblem ? { kind: 'auth' as const } : {}),
      });
    }
    const token = result.headers.get('x-subject-token');
    if (token === null || token === '') {
      throw new CodeArtsError(
        'bad-response',
        `${what}: HTTP ${result.status} without an X-Subject-Token header`,
        {
          status: result.status,
          ...(requestId === undefined ? {} : { requestId }),
        },
      );
    }
    const issuedAt = now();
    const expiresAt = expiresAtOf(result.body) ?? issuedAt + DOCUMENTED_TOKEN_LIFETIME_MS;
    const lifetime = expiresAt - issuedAt;
    // A token shorter-lived than twice the margin (never seen from IAM) is renewed half-way instead.
    const refreshAt =
      lifetime > 2 * TOKEN_REFRESH_MARGIN_MS ? expiresAt - TOKEN_REFRESH_MARGIN_MS : issuedAt + lifetime / 2;
    const entry = { token, refreshAt };
    this.#cache.set(region, entry);
    this.#recent.push(token);
    if (this.#recent.length > 8) this.#recent.shift();
    return entry;
  }
}

const expiresAtOf = (body: string): number | null => {
  try {
    const parsed = JSON.parse(body) as { token?: { expires_at?: unknown } } | null;
    const text = parsed?.token?.expires_at;
    if (typeof text !== 'string') return null;
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  } catch {
    return null;
  }
};
