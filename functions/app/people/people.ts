// app → who a CodeArts user is in Slack (`PUT/GET/DELETE /people/{codearts_user}`, docs/api.md): the use
// cases, with their input checked here once, so the HTTP API and anything else that links people say the same
// things.
import type { Actor } from '../../core/model.js';
import { actorLabel } from '../../core/trust.js';
import type { Logger, PeopleStore, Person } from '../../ports.js';
import { InputError, USER_ID_PATTERN } from '../registration/schema.js';

/** As long as the executor names the notifier keeps (longer ones are clipped when read from CodeArts). */
export const MAX_CODEARTS_USER_LENGTH = 64;

const CODEARTS_USER_RULE = `must be a CodeArts user name of 1–${MAX_CODEARTS_USER_LENGTH} characters, without control characters, slashes or spaces at either end`;

/** A CodeArts user name as CodeArts shows it as a run's executor, or null when it cannot be one. */
export function parseCodeArtsUser(raw: string): string | null {
  if (raw.length === 0 || [...raw].length > MAX_CODEARTS_USER_LENGTH) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029/\\]/.test(raw)) return null;
  return raw.trim() === raw ? raw : null;
}

/** Checks a path's `codearts_user`; throws an {@link InputError} saying what it must be. */
export function codeArtsUserOf(raw: string): string {
  const user = parseCodeArtsUser(raw);
  if (user === null)
    throw new InputError('invalid_field', `The CodeArts user in the path ${CODEARTS_USER_RULE}`);
  return user;
}

/** Validates the body of `PUT /people/{codearts_user}`: `{"slack_user":"U…"}`. */
export function parsePersonBody(body: unknown): { slackUser: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('invalid_body', 'The body must be a JSON object such as {"slack_user":"U0123ABCD"}');
  }
  const unknown = Object.keys(body).filter((field) => field !== 'slack_user');
  if (unknown.length > 0) {
    throw new InputError(
      'unknown_field',
      `Unknown field ${unknown.map((f) => `"${f}"`).join(', ')}; the only field is slack_user`,
      unknown[0],
    );
  }
  const slackUser = (body as { slack_user?: unknown }).slack_user;
  if (slackUser === undefined) {
    throw new InputError(
      'missing_field',
      '"slack_user" is required: a Slack user ID (U… or W…)',
      'slack_user',
    );
  }
  if (typeof slackUser !== 'string' || !USER_ID_PATTERN.test(slackUser)) {
    throw new InputError('invalid_field', '"slack_user" must be a Slack user ID (U… or W…)', 'slack_user');
  }
  return { slackUser };
}

export interface PeopleDeps {
  people: PeopleStore;
  now: () => number;
  logger?: Logger;
}

/** Links `codeartsUser` to `slackUser`. Says whether it was new, changed, or already so (then nothing is written). */
export async function linkPerson(
  deps: PeopleDeps,
  codeartsUser: string,
  slackUser: string,
  actor: Actor,
): Promise<{ person: Person; outcome: 'created' | 'updated' | 'unchanged' }> {
  const known = await deps.people.getPerson(codeartsUser);
  if (known !== null && known.slackUser === slackUser) return { person: known, outcome: 'unchanged' };
  const person: Person = {
    codeartsUser,
    slackUser,
    updatedAt: new Date(deps.now()).toISOString(),
    updatedBy: actorLabel(actor),
  };
  await deps.people.putPerson(person);
  deps.logger?.info('Person linked', { codeartsUser, slackUser, by: actorLabel(actor) });
  return { person, outcome: known === null ? 'created' : 'updated' };
}

/** Unlinks `codeartsUser`; resolves false when nobody was linked under that name. */
export async function unlinkPerson(deps: PeopleDeps, codeartsUser: string, actor: Actor): Promise<boolean> {
  const removed = await deps.people.deletePerson(codeartsUser);
  if (removed) deps.logger?.info('Person unlinked', { codeartsUser, by: actorLabel(actor) });
  return removed;
}
