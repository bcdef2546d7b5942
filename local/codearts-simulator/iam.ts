// local/codearts-simulator → identity: IAM users and their tokens, AK/SK pairs and their lockout.
// Tokens are opaque random strings in the size range of real PKI tokens; the simulator simply
// remembers what it issued, which is enough to tell "garbled" from "expired".
import { randomBytes } from 'node:crypto';
import {
  canonicalRequest,
  parseAuthorization,
  type ReceivedRequest,
  sameSignature,
  signatureFor,
} from './aksk.js';
import { gatewayError, IAM_AUTH_PREFIX, type SimHttpError } from './errors.js';
import type { IdRegistry } from './ids.js';
import { formatIamInstant, parseSdkDate } from './time.js';

export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const SDK_DATE_SKEW_MS = 15 * 60 * 1000;
export const AK_LOCK_FAILURES = 5;
export const AK_LOCK_MS = 5 * 60 * 1000;

export interface SimUser {
  domain: string;
  name: string;
  password: string;
}

interface IssuedToken {
  issuedAt: number;
  expiresAt: number;
  user: SimUser;
  /** null for a domain-scoped token (Deploy refuses those). */
  project: { id: string; name: string } | null;
}

interface AccessKey {
  secretKey: string;
  securityToken: string | undefined;
  failures: number;
  lockedUntil: number;
}

export type AuthResult = { kind: 'token'; key: string } | { kind: 'aksk'; key: string };

export class Iam {
  readonly #ids: IdRegistry;
  readonly #now: () => number;
  readonly #users = new Map<string, SimUser>();
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #keys = new Map<string, AccessKey>();
  readonly #projects = new Map<string, string>();
  readonly #stableIds = new Map<string, string>();

  constructor(ids: IdRegistry, now: () => number) {
    this.#ids = ids;
    this.#now = now;
  }

  addUser(user: SimUser): void {
    this.#users.set(`${user.domain}\u0000${user.name}`, { ...user });
  }

  addAccessKey(accessKey: string, secretKey: string, securityToken?: string): void {
    this.#keys.set(accessKey, { secretKey, securityToken, failures: 0, lockedUntil: 0 });
  }

  removeAccessKey(accessKey: string): void {
    this.#keys.delete(accessKey);
  }

  /** The IAM project ID of a project name (stable per name). */
  projectId(name: string): string {
    let id = this.#projects.get(name);
    if (id === undefined) {
      id = this.#ids.next('iam-project');
      this.#projects.set(name, id);
    }
    return id;
  }

  /** The same ID every time for the same (space, key): domains and users keep their IDs across tokens. */
  #stableId(space: 'domain' | 'user', key: string): string {
    let id = this.#stableIds.get(`${space}\u0000${key}`);
    if (id === undefined) {
      id = this.#ids.next(space);
      this.#stableIds.set(`${space}\u0000${key}`, id);
    }
    return id;
  }

  /** Issues a token for `user` (already authenticated), scoped to `projectName` or to the domain. */
  issue(user: SimUser, projectName: string | null): { token: string; body: Record<string, unknown> } {
    // ~2 kB, like the real PKI tokens ("MII…"): big enough to catch header-size mistakes.
    const token = `MII${randomBytes(1536).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;
    const issuedAt = this.#now();
    const project = projectName === null ? null : { id: this.projectId(projectName), name: projectName };
    this.#tokens.set(token, { issuedAt, expiresAt: issuedAt + TOKEN_TTL_MS, user, project });
    const domain = { id: this.#stableId('domain', user.domain), name: user.domain };
    return {
      token,
      body: {
        token: {
          expires_at: formatIamInstant(issuedAt + TOKEN_TTL_MS),
          issued_at: formatIamInstant(issuedAt),
          methods: ['password'],
          ...(project === null ? { domain } : { project: { domain, id: project.id, name: project.name } }),
          roles: [{ id: '0', name: 'op_gated_codearts' }],
          user: {
            domain,
            id: this.#stableId('user', `${user.domain}\u0000${user.name}`),
            name: user.name,
            password_expires_at: '',
          },
        },
      },
    };
  }

  /** Checks a password; null when the user/password pair is unknown. */
  authenticate(domain: string, name: string, password: string): SimUser | null {
    const user = this.#users.get(`${domain}\u0000${name}`);
    return user !== undefined && user.password === password ? user : null;
  }

  /** A valid project-scoped token without going through IAM. */
  issueToken(projectName: string): string {
    return this.issue({ domain: 'simulator', name: 'simulator', password: '' }, projectName).token;
  }

  expireAllTokens(): void {
    const now = this.#now();
    for (const token of this.#tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Authenticates a Deploy request (token or AK/SK), or throws the gateway's 401. */
  verify(req: ReceivedRequest, requestId: string): AuthResult {
    const tokenHeader = req.headers['x-auth-token'];
    const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
    if (token !== undefined && token !== '') return this.#verifyToken(token, requestId);
    const authorization = req.headers.authorization;
    if (authorization?.trim().startsWith('SDK-HMAC-SHA256')) return this.#verifyAksk(req, requestId);
    throw unauthorized('x-auth-token not found', requestId);
  }

  #verifyToken(token: string, requestId: string): AuthResult {
    const issued = this.#tokens.get(token);
    if (issued === undefined) throw unauthorized('decrypt token fail', requestId);
    if (this.#now() >= issued.expiresAt) {
      throw unauthorized(`token expires, expires_at: ${formatIamInstant(issued.expiresAt)}`, requestId);
    }
    // CodeArts wants project-scoped tokens (CodeArts Build documents the refusal; assumed for Deploy).
    if (issued.project === null) throw unauthorized('the token is not project-scoped', requestId);
    return { kind: 'token', key: token };
  }

  #verifyAksk(req: ReceivedRequest, requestId: string): AuthResult {
    const parsed = parseAuthorization(req.headers.authorization);
    if (parsed === null) throw unauthorized('verify aksk signature fail', requestId);
    const key = this.#keys.get(parsed.accessKey);
    if (key === undefined) {
      throw unauthorized(`Get secretKey failed,ak:${parsed.accessKey},err:ak not exist`, requestId);
    }
    const now = this.#now();
    if (now < key.lockedUntil) throw unauthorized('AK access failed to reach the limit,forbidden', requestId);
    const fail = (reason: string): SimHttpError => {
      key.failures += 1;
      if (key.failures >= AK_LOCK_FAILURES) {
        key.failures = 0;
        key.lockedUntil = now + AK_LOCK_MS;
      }
      return unauthorized(reason, requestId);
    };
    const dateHeader = req.headers['x-sdk-date'];
    const sdkDate = Array.isArray(dateHeader) ? dateHeader[0] : dateHeader;
    const signedAt = sdkDate === undefined ? null : parseSdkDate(sdkDate);
    if (sdkDate === undefined || signedAt === null || !parsed.signedHeaders.includes('x-sdk-date')) {
      throw fail('verify aksk signature fail, x-sdk-date is missing or not signed');
    }
    if (Math.abs(now - signedAt) > SDK_DATE_SKEW_MS) {
      throw fail('verify aksk signature fail, x-sdk-date is more than 15 minutes off');
    }
    if (key.securityToken !== undefined && req.headers['x-security-token'] !== key.securityToken) {
      throw fail('verify aksk signature fail, security token mismatch');
    }
    const expected = signatureFor(canonicalRequest(req, parsed.signedHeaders), sdkDate, key.secretKey);
    if (!sameSignature(expected, parsed.signature)) throw fail('verify aksk signature fail');
    key.failures = 0;
    return { kind: 'aksk', key: parsed.accessKey };
  }
}

export const unauthorized = (detail: string, requestId: string): SimHttpError =>
  gatewayError(401, 'APIG.0301', `${IAM_AUTH_PREFIX}${detail}`, requestId);
