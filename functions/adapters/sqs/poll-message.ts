// adapter → the poll queue's message body: a PollMessage as JSON, written by the planner and the workers and
// read strictly by the worker. A body that does not parse is dropped by the worker, never retried, so the
// error names the field that is wrong.
import * as z from 'zod/mini';
import { APPLICATION_STATES } from '../../core/applications.js';
import type { PollMessage } from '../../ports.js';

/** A task ID as stored: 32 lower-case hexadecimal characters (the table keys tasks by their lower-case ID). */
const STORED_TASK_ID = /^[0-9a-f]{32}$/;

/** The states a feed view may carry: an application's execution states, and 'unknown' for one we do not know. */
const FEED_STATES = [...APPLICATION_STATES, 'unknown'] as const;

/** What each field must be, said once so every error reads the same. */
const FIELD_RULES = {
  taskId: 'must be a task ID as stored: 32 lower-case hexadecimal characters',
  observe: 'must be true or false',
  until: 'must be a time in epoch milliseconds (a non-negative integer)',
  tick: 'must be an ISO-8601 UTC date-time such as 2026-01-01T12:00:00.000Z',
  feed: `must be {"releaseId": a non-negative integer or null, "state": one of ${FEED_STATES.join(', ')}}`,
} as const satisfies Record<keyof PollMessage, string>;

const feedViewSchema = z.strictObject({
  releaseId: z.nullable(z.int().check(z.nonnegative())),
  state: z.enum(FEED_STATES),
});

type Field = keyof typeof FIELD_RULES;
const FIELDS = Object.keys(FIELD_RULES) as Field[];

const pollMessageSchema = z.strictObject({
  taskId: z.string().check(z.regex(STORED_TASK_ID)),
  observe: z.boolean(),
  until: z.int().check(z.nonnegative()),
  tick: z.iso.datetime(),
  feed: z.optional(feedViewSchema),
}) satisfies z.ZodMiniType<PollMessage>;

/** A message body that is not a PollMessage; `field` names the offending field, when there is one. */
export class PollMessageError extends Error {
  override readonly name = 'PollMessageError';
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(`poll message: ${message}`);
    this.field = field;
  }
}

/** Parses an SQS message body; throws a {@link PollMessageError} naming the field for anything else. */
export function parsePollMessage(body: string): PollMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PollMessageError('the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PollMessageError('the body must be a JSON object');
  }
  const result = pollMessageSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const [first] = issue.keys;
    throw new PollMessageError(`unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`, first);
  }
  const field = FIELDS.find((name) => name === issue.path[0]);
  if (field === undefined) throw new PollMessageError(issue.message);
  const missing = !(field in json);
  throw new PollMessageError(`${field} ${missing ? 'is missing' : FIELD_RULES[field]}`, field);
}

/** The body of a PollMessage; refuses (with the same errors) one the worker would not be able to read. */
export function encodePollMessage(message: PollMessage): string {
  const body = JSON.stringify({
    taskId: message.taskId,
    observe: message.observe,
    until: message.until,
    tick: message.tick,
    ...(message.feed === undefined ? {} : { feed: message.feed }),
  });
  parsePollMessage(body);
  return body;
}
