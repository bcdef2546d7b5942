// app → the shape of a watch request, checked once at the edge so the use cases only see valid input.
// Shared by the HTTP API (JSON bodies), the slash command (typed text) and the CLI's help text.
// zod/mini: the same validation as classic zod, tree-shaken to a few KB in the Lambda bundle.
import * as z from 'zod/mini';
import type { DigestOptions } from '../../core/insight/periods.js';
import { clockMinutes, type QuietHours } from '../../core/insight/quiet-hours.js';
import { isTimeZone } from '../../core/insight/zoned-time.js';
import type { DeliveryMode, NotifyLevel, SubscriptionOptions } from '../../core/model.js';
import { REGION_PATTERN } from '../../shared/region.js';

/** A CodeArts deployment task ID: 32 hex characters (upper case accepted, stored lower case). */
export const TASK_ID_PATTERN = /^[0-9a-fA-F]{32}$/;
/** A Slack conversation ID (public C…, private G…, direct D…). */
export const CHANNEL_ID_PATTERN = /^[CGD][A-Z0-9]{8,20}$/;
/** A Slack channel name as typed with its hash; Slack names are lower-case letters, digits, '-' and '_'. */
export const CHANNEL_NAME_PATTERN = /^#[a-z0-9][a-z0-9_-]{0,79}$/;
/** A Slack user ID (U…, or W… on Enterprise Grid). */
export const USER_ID_PATTERN = /^[UW][A-Z0-9]{8,20}$/;
/** Who may act from Slack: a user ID, or a user-group ID (S…). */
export const OPERATOR_ID_PATTERN = /^([UW]|S)[A-Z0-9]{8,20}$/;

export const NOTIFY_LEVELS = ['all', 'failures', 'status'] as const satisfies readonly NotifyLevel[];
export const DIGEST_EVERY = ['daily', 'weekly'] as const;
export const DELIVERY_MODES = ['thread', 'messages'] as const satisfies readonly DeliveryMode[];
export const MAX_MENTIONS = 20;
export const MAX_OPERATORS = 20;

/** What was wrong with a request's input, in words that name the field. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: 'unknown_field' | 'missing_field' | 'invalid_field' | 'invalid_body';
  readonly field: string | undefined;

  constructor(code: InputError['code'], message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** Lower-cases a task ID, or returns null when it is not one. */
export const parseTaskId = (raw: string): string | null =>
  TASK_ID_PATTERN.test(raw) ? raw.toLowerCase() : null;

/** Normalises a channel (IDs as given, `#names` lower-cased), or returns null when it is neither. */
export const parseChannel = (raw: string): string | null => {
  if (CHANNEL_ID_PATTERN.test(raw)) return raw;
  const lower = raw.toLowerCase();
  return CHANNEL_NAME_PATTERN.test(lower) ? lower : null;
};

/** What each field must look like, said once so every 400 reads the same. */
const FIELD_RULES = {
  task_id: 'must be the 32 hexadecimal characters of a CodeArts deployment task ID',
  channel: 'must be a Slack channel ID (C…, G… or D…) or a #channel-name',
  region: 'must be a Huawei Cloud region ID such as cn-north-4',
  notify: `must be one of ${NOTIFY_LEVELS.join(', ')}`,
  mode: `must be one of ${DELIVERY_MODES.join(', ')}`,
  mentions: `must be a list of at most ${MAX_MENTIONS} Slack user IDs (U… or W…)`,
  operators: `must be a list of at most ${MAX_OPERATORS} Slack user IDs (U… or W…) or user-group IDs (S…)`,
  quiet_hours:
    'must be null or {"from":"HH:MM","to":"HH:MM","time_zone":"<IANA zone>"} with two different 24-hour times and a zone such as Europe/Berlin',
  digest:
    'must be null, "daily", "weekly" or {"every":"daily"|"weekly","time_zone":"<IANA zone>"} (periods end at midnight in that zone; default the quiet hours\' zone, else UTC)',
} as const;

export type WatchField = keyof typeof FIELD_RULES;
export const WATCH_FIELDS = Object.keys(FIELD_RULES) as WatchField[];

const channelSchema = z.pipe(
  z.string(),
  z.transform((raw: string, ctx) => {
    const channel = parseChannel(raw);
    if (channel === null) ctx.issues.push({ code: 'custom', message: FIELD_RULES.channel, input: raw });
    return channel ?? raw;
  }),
);

const watchBodySchema = z.strictObject({
  task_id: z.pipe(
    z.string().check(z.regex(TASK_ID_PATTERN)),
    z.transform((id: string) => id.toLowerCase()),
  ),
  channel: channelSchema,
  region: z.optional(z.string().check(z.regex(REGION_PATTERN))),
  notify: z._default(z.enum(NOTIFY_LEVELS), 'all'),
  mode: z._default(z.enum(DELIVERY_MODES), 'thread'),
  mentions: z._default(
    z.array(z.string().check(z.regex(USER_ID_PATTERN))).check(z.maxLength(MAX_MENTIONS)),
    [],
  ),
  operators: z._default(
    z.array(z.string().check(z.regex(OPERATOR_ID_PATTERN))).check(z.maxLength(MAX_OPERATORS)),
    [],
  ),
  quiet_hours: z.optional(
    z.nullable(
      z
        .strictObject({ from: z.string(), to: z.string(), time_zone: z.string() })
        .check(
          z.refine(
            (q) =>
              clockMinutes(q.from) !== null &&
              clockMinutes(q.to) !== null &&
              q.from !== q.to &&
              isTimeZone(q.time_zone),
          ),
        ),
    ),
  ),
  digest: z.optional(
    z.nullable(
      z.union([
        z.enum(DIGEST_EVERY),
        z
          .strictObject({ every: z.enum(DIGEST_EVERY), time_zone: z.optional(z.string()) })
          .check(z.refine((d) => d.time_zone === undefined || isTimeZone(d.time_zone))),
      ]),
    ),
  ),
});

export interface WatchInput {
  taskId: string;
  channel: string;
  /** Absent = the task's known region, else the service's default region. */
  region: string | undefined;
  options: SubscriptionOptions;
}

const describeType = (value: unknown): string =>
  value === null
    ? 'null'
    : value === undefined
      ? 'nothing'
      : Array.isArray(value)
        ? 'an array'
        : `a ${typeof value}`;

/** Turns the first (most useful) zod issue into an {@link InputError} naming the field. */
const toInputError = (issues: readonly z.core.$ZodIssue[], body: Record<string, unknown>): InputError => {
  // Unknown fields first: they are usually typos, and the rest of the message would mislead.
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  // Only unknown top-level fields; one inside an object field says what that field must be (below).
  if (unknown !== undefined && unknown.code === 'unrecognized_keys' && unknown.path.length === 0) {
    const names = unknown.keys.map((key) => `"${key}"`).join(', ');
    return new InputError(
      'unknown_field',
      `Unknown field ${names}; the fields are ${WATCH_FIELDS.join(', ')}`,
      unknown.keys[0],
    );
  }
  const issue = issues[0];
  const [head, ...rest] = issue?.path ?? [];
  const field = typeof head === 'string' && head in FIELD_RULES ? (head as WatchField) : undefined;
  if (field === undefined || issue === undefined) {
    return new InputError('invalid_body', issue?.message ?? 'The body is not a valid watch request');
  }
  if (!Object.hasOwn(body, field)) {
    return new InputError('missing_field', `"${field}" is required; it ${FIELD_RULES[field]}`, field);
  }
  // Point at the element for list fields, so `mentions[3]` says which entry is wrong.
  const where = rest.length > 0 ? `${field}${rest.map((part) => `[${String(part)}]`).join('')}` : field;
  const value = rest.reduce<unknown>(
    (node, part) =>
      node !== null && typeof node === 'object'
        ? (node as Record<PropertyKey, unknown>)[part as PropertyKey]
        : undefined,
    body[field],
  );
  const got = issue.code === 'invalid_type' ? ` (got ${describeType(value)})` : '';
  return new InputError('invalid_field', `"${where}" ${FIELD_RULES[field]}${got}`, field);
};

/** Validates a parsed JSON body of `POST /tasks`; throws an {@link InputError} naming the first bad field. */
export const parseWatchBody = (body: unknown): WatchInput => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('invalid_body', `The body must be a JSON object (got ${describeType(body)})`);
  }
  const result = watchBodySchema.safeParse(body);
  if (!result.success) throw toInputError(result.error.issues, body as Record<string, unknown>);
  const { task_id, channel, region, notify, mode, mentions, operators } = result.data;
  const quietHours: QuietHours | null = result.data.quiet_hours
    ? {
        from: result.data.quiet_hours.from,
        to: result.data.quiet_hours.to,
        timeZone: result.data.quiet_hours.time_zone,
      }
    : null;
  const digest = digestOptions(result.data.digest ?? null, quietHours);
  return {
    taskId: task_id,
    channel,
    region,
    // Duplicates would ping a person twice on every failure.
    options: {
      notify,
      mode,
      mentions: [...new Set(mentions)],
      ...(operators.length === 0 ? {} : { operators: [...new Set(operators)] }),
      ...(quietHours === null ? {} : { quietHours }),
      ...(digest === null ? {} : { digest }),
    },
  };
};

/** A digest's periods end at midnight in its own zone, else the quiet hours' zone, else UTC. */
function digestOptions(
  raw:
    | (typeof DIGEST_EVERY)[number]
    | { every: (typeof DIGEST_EVERY)[number]; time_zone?: string | undefined }
    | null,
  quietHours: QuietHours | null,
): DigestOptions | null {
  if (raw === null) return null;
  const fallback = quietHours?.timeZone ?? 'UTC';
  return typeof raw === 'string'
    ? { every: raw, timeZone: fallback }
    : { every: raw.every, timeZone: raw.time_zone ?? fallback };
}

/** Projects one channel may be restricted to. */
export const MAX_CHANNEL_PROJECTS = 100;
/** A CodeArts project ID (`project_id` of a task): 32 hex characters, stored lower case. */
export const PROJECT_PATTERN = /^[0-9a-fA-F]{32}$/;

const PROJECTS_RULE = `must be null (any project) or a list of at most ${MAX_CHANNEL_PROJECTS} CodeArts project IDs (32 hexadecimal characters)`;

/** Validates the body of `PUT /channels/{channel}`: `{"projects": [...] | null}`. */
export const parseChannelBody = (body: unknown): { projects: string[] | null } => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('invalid_body', `The body must be a JSON object (got ${describeType(body)})`);
  }
  const fields = Object.keys(body);
  const unknown = fields.filter((field) => field !== 'projects');
  if (unknown.length > 0) {
    throw new InputError(
      'unknown_field',
      `Unknown field ${unknown.map((f) => `"${f}"`).join(', ')}; the only field is projects`,
      unknown[0],
    );
  }
  if (!Object.hasOwn(body, 'projects')) {
    throw new InputError('missing_field', `"projects" is required; it ${PROJECTS_RULE}`, 'projects');
  }
  const projects: unknown = (body as { projects: unknown }).projects;
  if (projects === null) return { projects: null };
  if (
    !Array.isArray(projects) ||
    projects.length > MAX_CHANNEL_PROJECTS ||
    !projects.every((p) => typeof p === 'string' && PROJECT_PATTERN.test(p))
  ) {
    throw new InputError('invalid_field', `"projects" ${PROJECTS_RULE}`, 'projects');
  }
  return { projects: [...new Set(projects.map((p: string) => p.toLowerCase()))] };
};
