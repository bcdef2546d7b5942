// local/codearts-simulator → injected failures. Each fault answers (or withholds) the next `count`
// matching requests; the rest of the simulator is untouched, so a test can break exactly one call.

/** Which requests a fault hits. Without `path`, it hits Deploy API calls only (not IAM, not /_sim). */
export interface FaultTarget {
  /** Only requests about this task (its ID in the path). */
  taskId?: string;
  /** Only requests whose path starts with this (e.g. `/v3/auth/tokens` to break IAM). */
  path?: string;
  /** Only this HTTP method. */
  method?: string;
  /** How many matching requests it hits; default 1; 'always' until cleared. */
  count?: number | 'always';
}

export type ResponseFault =
  /** 401 `APIG.0301` (as if the credentials were rejected). */
  | ({ kind: 'unauthorized'; message?: string } & FaultTarget)
  /** 429 `APIG.0308`; `retryAfterSeconds` adds a Retry-After header (the real gateway sends none). */
  | ({ kind: 'throttle'; retryAfterSeconds?: number } & FaultTarget)
  /** A gateway/backend failure: status (default 500) with an APIG-style JSON body. */
  | ({ kind: 'server-error'; status?: number; code?: string; message?: string } & FaultTarget)
  /** Holds the request: answers normally after `afterMs` real milliseconds, or never when omitted. */
  | ({ kind: 'hang'; afterMs?: number } & FaultTarget)
  /** An HTML error page (default 502) instead of JSON. */
  | ({ kind: 'html'; status?: number } & FaultTarget)
  /** Truncated JSON with a JSON content type (default status 200). */
  | ({ kind: 'malformed-json'; status?: number } & FaultTarget)
  /** Valid JSON that is not the expected shape (default 200 `{"status":"success","data":{…}}`). */
  | ({ kind: 'wrong-shape'; status?: number; body?: unknown } & FaultTarget)
  /**
   * A 200 body of `bytes` bytes (a `/state` answer that never ends), with `Content-Length` unless
   * `declareLength` is false; `bytesSent` of the request's log entry says how much the client took.
   */
  | ({ kind: 'flood'; bytes: number; declareLength?: boolean } & FaultTarget);

/** Faults that act once, immediately, instead of on requests. */
export type ActionFault =
  /** Every token issued so far expires now. */
  | { kind: 'expire-tokens' }
  | { kind: 'delete-task'; taskId: string }
  | { kind: 'delete-record'; taskId: string; recordId: string };

export type Fault = ResponseFault | ActionFault;

export const RESPONSE_FAULT_KINDS: ReadonlySet<string> = new Set([
  'unauthorized',
  'throttle',
  'server-error',
  'hang',
  'html',
  'malformed-json',
  'wrong-shape',
  'flood',
]);

export const isResponseFault = (fault: Fault): fault is ResponseFault => RESPONSE_FAULT_KINDS.has(fault.kind);

export interface FaultMatchContext {
  method: string;
  path: string;
  taskId: string | undefined;
  /** Deploy API (as opposed to IAM). */
  deploy: boolean;
}

interface Armed {
  fault: ResponseFault;
  remaining: number;
}

export class FaultBook {
  #armed: Armed[] = [];

  add(fault: ResponseFault): void {
    const count = fault.count ?? 1;
    const remaining = count === 'always' ? Number.POSITIVE_INFINITY : count;
    if (!(remaining >= 1)) throw new RangeError(`fault count must be >= 1 or 'always', got ${String(count)}`);
    this.#armed.push({ fault, remaining });
  }

  clear(): void {
    this.#armed = [];
  }

  /** Armed faults, oldest first, with what is left of their count. */
  list(): Array<ResponseFault & { remaining: number | 'always' }> {
    return this.#armed.map(({ fault, remaining }) => ({
      ...fault,
      remaining: remaining === Number.POSITIVE_INFINITY ? 'always' : remaining,
    }));
  }

  /** The first armed fault that matches, consuming one of its count. */
  take(ctx: FaultMatchContext): ResponseFault | null {
    const index = this.#armed.findIndex(({ fault }) => matches(fault, ctx));
    const armed = this.#armed[index];
    if (armed === undefined) return null;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault;
  }
}

const matches = (fault: ResponseFault, ctx: FaultMatchContext): boolean => {
  if (fault.path !== undefined ? !ctx.path.startsWith(fault.path) : !ctx.deploy) return false;
  if (fault.taskId !== undefined && fault.taskId !== ctx.taskId) return false;
  if (fault.method !== undefined && fault.method.toUpperCase() !== ctx.method) return false;
  return true;
};
