// app → the form Slack posts when a button is pressed (`payload`, a JSON `block_actions` interaction), read
// once at the edge with a schema, so the use case only sees a valid press. Slack adds fields over time:
// unknown ones are let through; the ones we act on are checked strictly, and the button `value` is ours
// (`{"task_id","record_id"}`, written by core/render/action-buttons.ts).
import * as z from 'zod/mini';
import { ACTION_IDS, type ActionKind, actionKindOf, type Press } from '../../core/actions.js';
import { parseChannel, TASK_ID_PATTERN, USER_ID_PATTERN } from '../registration/schema.js';

/** A CodeArts execution record ID: 32 hexadecimal characters. */
const RECORD_ID_PATTERN = /^[0-9a-fA-F]{32}$/;
const TEAM_PATTERN = /^[TE][A-Z0-9]{6,20}$/;

/** What was wrong with an interaction, in words for whoever debugs the Slack app. */
export class InteractionError extends Error {
  override readonly name = 'InteractionError';
  constructor(
    readonly code: 'invalid_payload' | 'unsupported_interaction' | 'unknown_action' | 'invalid_value',
    message: string,
  ) {
    super(message);
  }
}

const id = z.looseObject({ id: z.string() });

const payloadSchema = z.looseObject({
  type: z.string(),
  team: z.optional(z.nullable(id)),
  enterprise: z.optional(z.nullable(id)),
  user: z.looseObject({ id: z.string().check(z.regex(USER_ID_PATTERN)), team_id: z.optional(z.string()) }),
  channel: z.optional(z.nullable(id)),
  container: z.optional(z.looseObject({ channel_id: z.optional(z.string()) })),
  response_url: z.optional(z.string().check(z.maxLength(2000))),
  actions: z.array(
    z.looseObject({
      action_id: z.string().check(z.maxLength(255)),
      value: z.optional(z.string().check(z.maxLength(2000))),
    }),
  ),
});

const valueSchema = z.strictObject({
  task_id: z.string().check(z.regex(TASK_ID_PATTERN)),
  record_id: z.string().check(z.regex(RECORD_ID_PATTERN)),
});

/** A press, and the workspaces it came from (its team, and its Enterprise Grid organisation if any). */
export interface ReadPress {
  press: Press;
  workspaces: string[];
}

const parseJson = (raw: string, what: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    throw new InteractionError('invalid_payload', `${what} is not JSON`);
  }
};

/** Reads the `payload` form field of a button press; throws an {@link InteractionError} saying what is wrong. */
export function parseInteraction(raw: string): ReadPress {
  if (raw === '') throw new InteractionError('invalid_payload', 'The form has no "payload" field');
  const parsed = payloadSchema.safeParse(parseJson(raw, 'The "payload" field'));
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'payload';
    throw new InteractionError(
      'invalid_payload',
      `The interaction payload is not a button press ("${where}" is missing or wrong)`,
    );
  }
  const payload = parsed.data;
  if (payload.type !== 'block_actions') {
    throw new InteractionError(
      'unsupported_interaction',
      `Interactions of type "${payload.type.slice(0, 40)}" are not handled here`,
    );
  }
  const [action, ...more] = payload.actions;
  if (action === undefined || more.length > 0) {
    throw new InteractionError('invalid_payload', 'A button press carries exactly one action');
  }
  const kind: ActionKind | null = actionKindOf(action.action_id);
  if (kind === null) {
    throw new InteractionError(
      'unknown_action',
      `Unknown action; the buttons are ${Object.values(ACTION_IDS).join(', ')}`,
    );
  }
  const value = valueSchema.safeParse(parseJson(action.value ?? '', 'The button value'));
  if (!value.success) {
    throw new InteractionError(
      'invalid_value',
      'The button value must be {"task_id":"<32 hex>","record_id":"<32 hex>"}',
    );
  }
  const channel = parseChannel(payload.channel?.id ?? payload.container?.channel_id ?? '');
  if (channel === null)
    throw new InteractionError('invalid_payload', 'The press does not say which channel it came from');
  const team = payload.team?.id ?? payload.user.team_id ?? '';
  if (!TEAM_PATTERN.test(team))
    throw new InteractionError('invalid_payload', 'The press does not say which workspace it came from');
  const enterprise = payload.enterprise?.id;
  return {
    press: {
      kind,
      taskId: value.data.task_id.toLowerCase(),
      recordId: value.data.record_id.toLowerCase(),
      channel,
      user: payload.user.id,
      team,
      responseUrl: payload.response_url ?? null,
    },
    workspaces: [team, ...(enterprise !== undefined && TEAM_PATTERN.test(enterprise) ? [enterprise] : [])],
  };
}
