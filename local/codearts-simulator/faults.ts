// local/codearts-simulator → injected failures. Each fault answers (or withholds, or bends) the next `count`
// matching requests; the rest of the simulator is untouched, so a test can break exactly one call.

/** Which requests a fault hits. Without `path`, it hits Deploy API calls only (not IAM, not /_sim). */
export interface FaultTarget {
  /** Only requests about this task (its ID in the path). */
  taskId?: string;
  /**
   * Only requests about this CodeArts project: named in the path (`/v2/{project_id}/…`), in a ListAllApp
   * body (`project_id`), or the project of the task or application the path names.
   */
  projectId?: string;
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
  /**
   * The gateway refuses the API: 403 `APIG.0302` by default (not authorized), or with `code: 'APIG.0101'`
   * a 404 as when the API is not served in that region or endpoint.
   */
  | ({ kind: 'refused'; status?: number; code?: string; message?: string } & FaultTarget)
  /** Holds the request: answers normally after `afterMs` real milliseconds, or never when omitted. */
  | ({ kind: 'hang'; afterMs?: number } & FaultTarget)
  /** Answers normally, `delayMs` real milliseconds late (a slow backend). */
  | ({ kind: 'slow'; delayMs: number } & FaultTarget)
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

/**
 * Faults that bend what ListAllApp (`POST /v1/applications/list`) reports instead of replacing the answer.
 * They hit ListAllApp calls only, whatever their target says.
 */
export type FeedFault =
  /** The listing shows the project as it was `seconds` ago (a lagging index). */
  | ({ kind: 'stale'; seconds: number } & FaultTarget)
  /**
   * The application is left out of the page it would have been on; `total_num` still counts it. Only a
   * page that would have shown it uses up the fault's count.
   */
  | ({ kind: 'omit-app'; appId: string } & FaultTarget);

/** Faults that act once, immediately, instead of on requests. */
export type ActionFault =
  /** Every token issued so far expires now. */
  | { kind: 'expire-tokens' }
  | { kind: 'delete-task'; taskId: string }
  | { kind: 'delete-record'; taskId: string; recordId: string };

export type ArmedFault = ResponseFault | FeedFault;
export type Fault = ArmedFault | ActionFault;

export const RESPONSE_FAULT_KINDS: ReadonlySet<string> = new Set([
  'unauthorized',
  'throttle',
  'server-error',
  'refused',
  'hang',
  'slow',
  'html',
  'malformed-json',
  'wrong-shape',
  'flood',
]);
export const FEED_FAULT_KINDS: ReadonlySet<string> = new Set(['stale', 'omit-app']);
export const ACTION_FAULT_KINDS: ReadonlySet<string> = new Set([
  'expire-tokens',
  'delete-task',
  'delete-record',
]);

export const isResponseFault = (fault: Fault): fault is ResponseFault => RESPONSE_FAULT_KINDS.has(fault.kind);
export const isFeedFault = (fault: Fault): fault is FeedFault => FEED_FAULT_KINDS.has(fault.kind);

export interface FaultMatchContext {
  method: string;
  path: string;
  taskId: string | undefined;
  projectId: string | undefined;
  /** Deploy API (as opposed to IAM). */
  deploy: boolean;
  /** ListAllApp. */
  feed: boolean;
}

interface Armed {
  fault: ArmedFault;
  remaining: number;
}

/** Rejects a fault that could not do what it says (a clear error instead of a fault that never fires). */
export const checkFault = (fault: Fault): void => {
  const kind = (fault as { kind?: unknown }).kind;
  if (
    typeof kind !== 'string' ||
    !(RESPONSE_FAULT_KINDS.has(kind) || FEED_FAULT_KINDS.has(kind) || ACTION_FAULT_KINDS.has(kind))
  ) {
    const kinds = [...RESPONSE_FAULT_KINDS, ...FEED_FAULT_KINDS, ...ACTION_FAULT_KINDS].join(', ');
    throw new Error(`unknown fault kind ${JSON.stringify(kind)} (one of ${kinds})`);
  }
  const positive = (value: unknown): boolean =>
    typeof value === 'number' && Number.isFinite(value) && value > 0;
  if (fault.kind === 'slow' && !positive(fault.delayMs)) throw new Error('a slow fault needs delayMs > 0');
  if (fault.kind === 'stale' && !positive(fault.seconds)) throw new Error('a stale fault needs seconds > 0');
  if (fault.kind === 'omit-app' && (typeof fault.appId !== 'string' || fault.appId === '')) {
    throw new Error('an omit-app fault needs the appId of the application to leave out');
  }
};

export class FaultBook {
  #armed: Armed[] = [];

  add(fault: ArmedFault): void {
    checkFault(fault);
    const count = fault.count ?? 1;
    const remaining = count === 'always' ? Number.POSITIVE_INFINITY : count;
    if (!(remaining >= 1)) throw new RangeError(`fault count must be >= 1 or 'always', got ${String(count)}`);
    this.#armed.push({ fault, remaining });
  }

  clear(): void {
    this.#armed = [];
  }

  /** Armed faults, oldest first, with what is left of their count. */
  list(): Array<ArmedFault & { remaining: number | 'always' }> {
    return this.#armed.map(({ fault, remaining }) => ({
      ...fault,
      remaining: remaining === Number.POSITIVE_INFINITY ? 'always' : remaining,
    }));
  }

  /** The first armed response fault that matches, consuming one of its count. */
  take(ctx: FaultMatchContext): ResponseFault | null {
    return this.#take((f): f is ResponseFault => RESPONSE_FAULT_KINDS.has(f.kind) && matches(f, ctx));
  }

  /** The first armed stale fault for this ListAllApp call, consuming one of its count. */
  takeStale(ctx: FaultMatchContext): Extract<FeedFault, { kind: 'stale' }> | null {
    return this.#take(
      (f): f is Extract<FeedFault, { kind: 'stale' }> => f.kind === 'stale' && ctx.feed && matches(f, ctx),
    );
  }

  /** The apps among `appIds` that armed omit-app faults leave out, consuming one count of each fault used. */
  takeOmitted(ctx: FaultMatchContext, appIds: ReadonlySet<string>): Set<string> {
    const omitted = new Set<string>();
    for (;;) {
      const fault = this.#take(
        (f): f is Extract<FeedFault, { kind: 'omit-app' }> =>
          f.kind === 'omit-app' &&
          ctx.feed &&
          appIds.has(f.appId) &&
          !omitted.has(f.appId) &&
          matches(f, ctx),
      );
      if (fault === null) return omitted;
      omitted.add(fault.appId);
    }
  }

  #take<T extends ArmedFault>(pick: (fault: ArmedFault) => fault is T): T | null {
    const index = this.#armed.findIndex(({ fault }) => pick(fault));
    const armed = this.#armed[index];
    if (armed === undefined) return null;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault as T;
  }
}

const matches = (fault: ArmedFault, ctx: FaultMatchContext): boolean => {
  if (fault.path !== undefined ? !ctx.path.startsWith(fault.path) : !ctx.deploy) return false;
  if (fault.taskId !== undefined && fault.taskId !== ctx.taskId) return false;
  if (fault.projectId !== undefined && fault.projectId !== ctx.projectId) return false;
  if (fault.method !== undefined && fault.method.toUpperCase() !== ctx.method) return false;
  return true;
};
