// handlers → `PUT/GET/DELETE /people/{codearts_user}` and `GET /people` (bearer key; a write key for changes): who a
// CodeArts user is in Slack, so living messages and failures can mention them.
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { codeArtsUserOf, linkPerson, parsePersonBody, unlinkPerson } from '../../app/people/people.js';
import { InputError } from '../../app/registration/schema.js';
import type { Logger, PeopleStore, Person } from '../../ports.js';
import { type ApiKeySource, requestKey, requireApiKey } from './auth.js';
import { guardBody } from './body.js';
import { MAX_JSON_BODY_BYTES, type RouteSpec, route } from './registration-routes.js';
import { ApiError, json } from './responses.js';

export interface PeopleRoutesDeps {
  people: PeopleStore;
  apiKeys: ApiKeySource;
  logger: Logger;
  now: () => number;
}

export const personView = (person: Person) => ({
  codearts_user: person.codeartsUser,
  slack_user: person.slackUser,
  updated_at: person.updatedAt,
  updated_by: person.updatedBy,
});

const checked = <T>(parse: () => T): T => {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) throw new ApiError(400, error.code, error.message);
    throw error;
  }
};

/** The path's CodeArts user: API Gateway decodes path parameters; the local server leaves them as sent. */
const userParam = (event: APIGatewayProxyEventV2): string => {
  const raw = event.pathParameters?.codearts_user ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not valid percent-encoding: checked as it is, and refused if it cannot be a name.
  }
  return checked(() => codeArtsUserOf(decoded));
};

export const peopleRoutes = (deps: PeopleRoutesDeps): RouteSpec[] => {
  const read = requireApiKey(deps.apiKeys, 'read');
  const write = requireApiKey(deps.apiKeys, 'write');
  const actor = (event: APIGatewayProxyEventV2) => ({ via: 'api' as const, key: requestKey(event).name });
  const use = { people: deps.people, now: deps.now, logger: deps.logger };

  const list = route()
    .use(read)
    .handler(async () => json(200, { people: (await deps.people.listPeople()).map(personView) }));

  const getOne = route()
    .use(read)
    .handler(async (event) => {
      const user = userParam(event);
      const person = await deps.people.getPerson(user);
      if (person === null)
        throw new ApiError(404, 'person_not_found', `Nobody is linked as CodeArts user ${user}`);
      return json(200, { person: personView(person) });
    });

  const put = route()
    .use(write)
    .use(guardBody({ maxBytes: MAX_JSON_BODY_BYTES, mediaTypes: ['application/json'] }))
    .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
    .handler(async (event) => {
      const user = userParam(event);
      const { slackUser } = checked(() => parsePersonBody(event.body as unknown));
      const { person, outcome } = await linkPerson(use, user, slackUser, actor(event));
      return json(outcome === 'created' ? 201 : 200, { person: personView(person), outcome });
    });

  const remove = route()
    .use(write)
    .handler(async (event) => {
      const user = userParam(event);
      if (!(await unlinkPerson(use, user, actor(event)))) {
        throw new ApiError(404, 'person_not_found', `Nobody is linked as CodeArts user ${user}`);
      }
      return json(200, { removed: { codearts_user: user } });
    });

  return [
    { method: 'GET', path: '/people', handler: list },
    { method: 'GET', path: '/people/{codearts_user}', handler: getOne },
    { method: 'PUT', path: '/people/{codearts_user}', handler: put },
    { method: 'DELETE', path: '/people/{codearts_user}', handler: remove },
  ];
};
