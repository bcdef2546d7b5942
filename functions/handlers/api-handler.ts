// handlers → the api Lambda's middy pipeline: the HTTP API of design §5 and the /codearts slash command.
// Everything arrives by injection (functions/handlers/api.ts wires the real adapters); this file only
// translates HTTP to use cases and back.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler, { type Method } from '@middy/http-router';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { InputError, parseChannel, parseTaskId, parseWatchBody } from '../app/registration/schema.js';
import { taskDetailView, taskSummaryView, unwatchView, watchResultView } from '../app/registration/views.js';
import {
  listWatches,
  type RegistrationDeps,
  unwatchTask,
  VerificationError,
  watchTask,
} from '../app/registration/watches.js';
import { runSlashCommand } from '../app/slash-command/respond.js';
import type { CodeArtsPort, Logger, WatchStore } from '../ports.js';
import { type ApiKeySource, requireApiKey } from './http/auth.js';
import { guardBody } from './http/body.js';
import { errorShaper } from './http/errors.js';
import { ApiError, INTERNAL_ERROR_BODY, type JsonResult, json } from './http/responses.js';
import { routeNotFound, stripStage } from './http/routing.js';
import { requireSlackSignature } from './http/slack-signature.js';

export interface ApiHandlerDeps {
  store: WatchStore;
  codearts: CodeArtsPort;
  /** Valid bearer keys (several, so a key can be rotated without downtime). Called per request; cache upstream. */
  apiKeys: ApiKeySource;
  /** Slack's signing secret; undefined switches the slash command off (503). */
  slackSigningSecret: () => Promise<string | undefined> | string | undefined;
  /** Region of tasks registered without one. */
  defaultRegion: string;
  /** Zone of CodeArts' zone-less timestamps (`+08:00`). */
  timeZone: string;
  now: () => number;
  /**
   * When the planner last planned a tick to the end (epoch ms), e.g. `() => ticks.lastCompletedAt()`: every
   * healthy watch was polled then. Optional: without it, "last poll" is the last time a poll wrote the task.
   */
  lastPollCycleAt?: () => Promise<number | null> | number | null;
  /** Defaults to a Powertools logger (service `codearts-notifier-api`). */
  logger?: Logger;
  /** How long `POST /tasks` waits for CodeArts before answering 503. Default 10 s (API Gateway allows 30). */
  verifyTimeoutMs?: number;
  /** How long `/codearts watch` waits for CodeArts before storing the watch unverified. Default 2 s. */
  slashVerifyTimeoutMs?: number;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** Small enough for any sane watch request; big enough that 20 mentions and long names never hit it. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;
/** Slack's command payloads are a few hundred bytes. */
const MAX_FORM_BODY_BYTES = 16 * 1024;

/** What the urlencode parser leaves in `event.body`. */
type Form = Record<string, string | string[] | undefined>;
type Route = MiddyfiedHandler<APIGatewayProxyEventV2, JsonResult>;

const verificationToApiError = (error: VerificationError): ApiError => {
  switch (error.kind) {
    case 'task-not-found':
      return new ApiError(
        404,
        error.codeArtsCode ?? 'Deploy.00011020',
        `${error.message}; nothing was stored`,
      );
    case 'task-rejected':
      return new ApiError(422, error.codeArtsCode ?? 'task_rejected', `${error.message}; nothing was stored`);
    case 'codearts-auth':
      return new ApiError(
        502,
        'codearts_auth_failed',
        'The notifier could not authenticate with CodeArts; nothing was stored',
      );
    case 'codearts-throttled':
      return new ApiError(
        503,
        'codearts_throttled',
        'CodeArts is throttling requests; nothing was stored. Retry later',
        {
          'Retry-After': String(Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000))),
        },
      );
    case 'codearts-timeout':
      return new ApiError(
        503,
        'codearts_timeout',
        'CodeArts did not answer in time; nothing was stored. Retry later',
      );
    case 'codearts-unavailable':
      return new ApiError(
        502,
        'codearts_unavailable',
        'CodeArts is unavailable; nothing was stored. Retry later',
      );
    case 'codearts-bad-response':
      return new ApiError(
        502,
        'codearts_bad_response',
        'CodeArts sent an unexpected answer; nothing was stored',
      );
  }
};

const taskIdParam = (event: APIGatewayProxyEventV2): string => {
  // Not URL-decoded here: API Gateway already decodes path parameters, and a task ID never needs it.
  const taskId = parseTaskId(event.pathParameters?.task_id ?? '');
  if (taskId === null) {
    throw new ApiError(400, 'invalid_task_id', 'The task ID in the path must be 32 hexadecimal characters');
  }
  return taskId;
};

/** Form fields arrive as a string, or an array when repeated; Slack sends each once. */
const formField = (body: Form, name: string): string => {
  if (!Object.hasOwn(body, name)) return '';
  const value = body[name];
  return typeof value === 'string'
    ? value
    : Array.isArray(value) && typeof value[0] === 'string'
      ? value[0]
      : '';
};

const powertoolsLogger = (): Logger => {
  const logger = new PowertoolsLogger({ serviceName: 'codearts-notifier-api' });
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
};

export const createApiHandler = (deps: ApiHandlerDeps): ApiHandler => {
  const logger = deps.logger ?? powertoolsLogger();
  const registration: RegistrationDeps = {
    store: deps.store,
    codearts: deps.codearts,
    defaultRegion: deps.defaultRegion,
    timeZone: deps.timeZone,
    now: deps.now,
  };
  const verifyTimeoutMs = deps.verifyTimeoutMs ?? 10_000;
  /** Best effort: a listing without the cycle time beats no listing. */
  const lastCycleAt = async (): Promise<string | null> => {
    if (deps.lastPollCycleAt === undefined) return null;
    try {
      const ms = await deps.lastPollCycleAt();
      return ms === null ? null : new Date(ms).toISOString();
    } catch (error) {
      logger.warn('Last poll cycle time unavailable', { error });
      return null;
    }
  };
  const auth = requireApiKey(deps.apiKeys);
  // Route handlers run inside the outer pipeline, which owns the Lambda deadline.
  const route = (): Route => middy<APIGatewayProxyEventV2, JsonResult>({ timeoutEarlyInMillis: 0 });

  const postTask = route()
    .use(auth)
    .use(guardBody({ maxBytes: MAX_JSON_BODY_BYTES, mediaTypes: ['application/json'] }))
    .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
    .handler(async (event, _context, { signal }) => {
      // The parser replaced the string with whatever the JSON held; the schema decides what that is.
      const body: unknown = event.body;
      let input: ReturnType<typeof parseWatchBody>;
      try {
        input = parseWatchBody(body);
      } catch (error) {
        if (error instanceof InputError) throw new ApiError(400, error.code, error.message);
        throw error;
      }
      try {
        const result = await watchTask(registration, input, {
          signal: AbortSignal.any([AbortSignal.timeout(verifyTimeoutMs), signal]),
        });
        logger.info('Watch stored', {
          taskId: input.taskId,
          channel: input.channel,
          outcome: result.outcome,
        });
        const created = result.outcome === 'created' || result.outcome === 'subscribed';
        return json(
          created ? 201 : 200,
          watchResultView(result.record, input.channel, result.run, result.outcome, result.verified),
          created ? { Location: `/tasks/${input.taskId}` } : {},
        );
      } catch (error) {
        if (error instanceof VerificationError) {
          logger.warn('Task not verified', { taskId: input.taskId, kind: error.kind, cause: error.cause });
          throw verificationToApiError(error);
        }
        throw error;
      }
    });

  const getTasks = route()
    .use(auth)
    .handler(async () => {
      const [records, cycleAt] = await Promise.all([listWatches(deps.store), lastCycleAt()]);
      return json(200, { tasks: records.map((record) => taskSummaryView(record, cycleAt)) });
    });

  const getTask = route()
    .use(auth)
    .handler(async (event) => {
      const taskId = taskIdParam(event);
      const [record, cycleAt] = await Promise.all([deps.store.getTask(taskId), lastCycleAt()]);
      if (record === null) throw new ApiError(404, 'task_not_found', `Task ${taskId} is not watched`);
      return json(200, taskDetailView(record, cycleAt));
    });

  const deleteTask = route()
    .use(auth)
    .handler(async (event) => {
      const taskId = taskIdParam(event);
      const rawChannel = event.queryStringParameters?.channel;
      const channel = rawChannel === undefined ? undefined : parseChannel(rawChannel);
      if (channel === null) {
        throw new ApiError(
          400,
          'invalid_field',
          '"channel" must be a Slack channel ID (C…, G… or D…) or a #channel-name (URL-encoded as %23)',
        );
      }
      const result = await unwatchTask(registration, taskId, channel);
      switch (result.status) {
        case 'task-not-found':
          throw new ApiError(404, 'task_not_found', `Task ${taskId} is not watched`);
        case 'channel-not-found':
          throw new ApiError(404, 'watch_not_found', `Task ${taskId} is not watched in ${channel}`);
        case 'removed':
          logger.info('Watch removed', { taskId, channels: result.removedChannels });
          return json(200, unwatchView(taskId, result.removedChannels, result.remaining));
      }
    });

  const slashCommand = route()
    // First, on the raw body: nothing unsigned gets parsed.
    .use(requireSlackSignature({ signingSecret: deps.slackSigningSecret, now: deps.now }))
    .use(guardBody({ maxBytes: MAX_FORM_BODY_BYTES, mediaTypes: ['application/x-www-form-urlencoded'] }))
    // Its typings only know REST API events; at run time it reads the same `headers` and `body` of v2.
    .use(httpUrlencodeBodyParser() as unknown as MiddlewareObj<APIGatewayProxyEventV2>)
    .handler(async (event, _context, { signal }) => {
      const form = event.body as unknown as Form;
      // Slack probes the URL's certificate with a signed `ssl_check=1`; it only needs a 200.
      if (formField(form, 'ssl_check') === '1') return json(200, {});
      const request = {
        text: formField(form, 'text'),
        channelId: formField(form, 'channel_id'),
        userId: formField(form, 'user_id'),
        command: formField(form, 'command'),
      };
      try {
        const answer = await runSlashCommand(
          { ...registration, verifyTimeoutMs: deps.slashVerifyTimeoutMs ?? 2000, lastCycleAt },
          request,
          signal,
        );
        return json(200, answer);
      } catch (error) {
        // Slack shows a bare "failed" for any non-200; a sentence is kinder, and internals stay in the log.
        logger.error('Slash command failed', { error, channelId: request.channelId, userId: request.userId });
        return json(200, {
          response_type: 'ephemeral',
          text: ':warning: Something went wrong on the notifier’s side. Try again in a moment.',
        });
      }
    });

  const health = route().handler(async () => json(200, { status: 'ok' }));

  const routes: { method: Method; path: string; handler: Route }[] = [
    { method: 'GET', path: '/health', handler: health },
    { method: 'POST', path: '/tasks', handler: postTask },
    { method: 'GET', path: '/tasks', handler: getTasks },
    { method: 'GET', path: '/tasks/{task_id}', handler: getTask },
    { method: 'DELETE', path: '/tasks/{task_id}', handler: deleteTask },
    { method: 'POST', path: '/slack/commands', handler: slashCommand },
  ];

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpEventNormalizer())
    .use(httpHeaderNormalizer())
    .use(stripStage())
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(errorShaper(logger))
    .handler(
      httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
        routes,
        notFoundResponse: routeNotFound(routes),
      }),
    ) as ApiHandler;
};
