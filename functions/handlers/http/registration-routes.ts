// handlers → the bearer-key routes of docs/api.md: /tasks (watches) and /channels (what a channel may watch).
// Each route names the scope it needs; the key's name is who the audit trail and the log say made the change.
import middy, { type MiddyfiedHandler } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Method } from '@middy/http-router';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { setChannelProjects } from '../../app/registration/channels.js';
import {
  InputError,
  parseChannel,
  parseChannelBody,
  parseTaskId,
  parseWatchBody,
} from '../../app/registration/schema.js';
import {
  channelView,
  taskDetailView,
  taskSummaryView,
  unwatchView,
  watchResultView,
} from '../../app/registration/views.js';
import {
  listWatches,
  type RegistrationDeps,
  unwatchTask,
  WatchRefusedError,
  watchTask,
} from '../../app/registration/watches.js';
import type { FeedStatus } from '../../core/feed.js';
import type { Actor } from '../../core/model.js';
import type { WatchLimits } from '../../core/trust.js';
import { CodeArtsError, type Logger } from '../../ports.js';
import { type ApiKeySource, requestKey, requireApiKey } from './auth.js';
import { guardBody } from './body.js';
import { codeArtsToApiError, refusalToApiError } from './registration-errors.js';
import { ApiError, type JsonResult, json } from './responses.js';

/** Small enough for any sane watch request; big enough that 20 mentions and long names never hit it. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

export type Route = MiddyfiedHandler<APIGatewayProxyEventV2, JsonResult>;
export interface RouteSpec {
  method: Method;
  path: string;
  handler: Route;
}

export interface RegistrationRoutesDeps {
  registration: Required<Pick<RegistrationDeps, 'limits'>> & RegistrationDeps;
  apiKeys: ApiKeySource;
  logger: Logger;
  /** How long `POST /tasks` waits for CodeArts before answering 503. */
  verifyTimeoutMs: number;
  /** When the poller last completed a cycle (ISO), best effort. */
  lastCycleAt: () => Promise<string | null>;
  /** The change feed's health over the fleet, best effort (null: unknown). */
  feedStatus: () => Promise<FeedStatus | null>;
}

/** Route handlers run inside the outer pipeline, which owns the Lambda deadline. */
export const route = (): Route => middy<APIGatewayProxyEventV2, JsonResult>({ timeoutEarlyInMillis: 0 });

const apiActor = (event: APIGatewayProxyEventV2): Actor => ({ via: 'api', key: requestKey(event).name });

const taskIdParam = (event: APIGatewayProxyEventV2): string => {
  // Not URL-decoded here: API Gateway already decodes path parameters, and a task ID never needs it.
  const taskId = parseTaskId(event.pathParameters?.task_id ?? '');
  if (taskId === null) {
    throw new ApiError(400, 'invalid_task_id', 'The task ID in the path must be 32 hexadecimal characters');
  }
  return taskId;
};

const CHANNEL_RULE = 'must be a Slack channel ID (C…, G… or D…) or a #channel-name (URL-encoded as %23)';

const channelParam = (event: APIGatewayProxyEventV2): string => {
  const raw = event.pathParameters?.channel ?? '';
  // API Gateway decodes path parameters; the local server leaves `%23` as sent. A channel never holds a `%`.
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not valid percent-encoding: checked as it is, and refused below.
  }
  const channel = parseChannel(decoded);
  if (channel === null) throw new ApiError(400, 'invalid_channel', `The channel in the path ${CHANNEL_RULE}`);
  return channel;
};

const parsed = <T>(parse: () => T): T => {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) throw new ApiError(400, error.code, error.message);
    throw error;
  }
};

export const registrationRoutes = (deps: RegistrationRoutesDeps): RouteSpec[] => {
  const { registration, logger, lastCycleAt, feedStatus } = deps;
  const read = requireApiKey(deps.apiKeys, 'read');
  const write = requireApiKey(deps.apiKeys, 'write');
  const jsonBody = guardBody({ maxBytes: MAX_JSON_BODY_BYTES, mediaTypes: ['application/json'] });
  const limits: WatchLimits = registration.limits;

  const postTask = route()
    .use(write)
    .use(jsonBody)
    .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
    .handler(async (event, _context, { signal }) => {
      // The parser replaced the string with whatever the JSON held; the schema decides what that is.
      const input = parsed(() => parseWatchBody(event.body as unknown));
      try {
        const result = await watchTask(registration, input, apiActor(event), {
          signal: AbortSignal.any([AbortSignal.timeout(deps.verifyTimeoutMs), signal]),
        });
        const created = result.outcome === 'created' || result.outcome === 'subscribed';
        return json(
          created ? 201 : 200,
          watchResultView(result.record, input.channel, result.run, result.outcome, result.verified),
          created ? { Location: `/tasks/${input.taskId}` } : {},
        );
      } catch (error) {
        if (error instanceof CodeArtsError) {
          logger.warn('Task not verified', { taskId: input.taskId, kind: error.kind, cause: error });
          throw codeArtsToApiError(error, input.taskId);
        }
        if (error instanceof WatchRefusedError) {
          logger.info('Watch refused', { taskId: input.taskId, channel: input.channel, ...error.refusal });
          throw refusalToApiError(error);
        }
        throw error;
      }
    });

  const getTasks = route()
    .use(read)
    .handler(async () => {
      const [records, cycleAt, feed] = await Promise.all([
        listWatches(registration.store),
        lastCycleAt(),
        feedStatus(),
      ]);
      return json(200, { tasks: records.map((record) => taskSummaryView(record, cycleAt, feed)) });
    });

  const getTask = route()
    .use(read)
    .handler(async (event) => {
      const taskId = taskIdParam(event);
      const [record, cycleAt, feed] = await Promise.all([
        registration.store.getTask(taskId),
        lastCycleAt(),
        feedStatus(),
      ]);
      if (record === null) throw new ApiError(404, 'task_not_found', `Task ${taskId} is not watched`);
      return json(200, taskDetailView(record, cycleAt, feed));
    });

  const deleteTask = route()
    .use(write)
    .handler(async (event) => {
      const taskId = taskIdParam(event);
      const rawChannel = event.queryStringParameters?.channel;
      const channel = rawChannel === undefined ? undefined : parseChannel(rawChannel);
      if (channel === null) throw new ApiError(400, 'invalid_field', `"channel" ${CHANNEL_RULE}`);
      const result = await unwatchTask(registration, taskId, channel, apiActor(event));
      switch (result.status) {
        case 'task-not-found':
          throw new ApiError(404, 'task_not_found', `Task ${taskId} is not watched`);
        case 'channel-not-found':
          throw new ApiError(404, 'watch_not_found', `Task ${taskId} is not watched in ${channel}`);
        case 'removed':
          return json(200, unwatchView(taskId, result.removedChannels, result.remaining));
      }
    });

  const getChannel = route()
    .use(read)
    .handler(async (event) => {
      const channel = channelParam(event);
      return json(200, channelView(channel, await registration.store.getChannel(channel), limits));
    });

  const putChannel = route()
    .use(write)
    .use(jsonBody)
    .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
    .handler(async (event) => {
      const channel = channelParam(event);
      const { projects } = parsed(() => parseChannelBody(event.body as unknown));
      const record = await setChannelProjects(
        { store: registration.store, now: registration.now, logger },
        channel,
        projects,
        apiActor(event),
      );
      return json(200, channelView(channel, record, limits));
    });

  return [
    { method: 'POST', path: '/tasks', handler: postTask },
    { method: 'GET', path: '/tasks', handler: getTasks },
    { method: 'GET', path: '/tasks/{task_id}', handler: getTask },
    { method: 'DELETE', path: '/tasks/{task_id}', handler: deleteTask },
    { method: 'GET', path: '/channels/{channel}', handler: getChannel },
    { method: 'PUT', path: '/channels/{channel}', handler: putChannel },
  ];
};
