// handlers → the api Lambda's middy pipeline: the HTTP API (docs/api.md), the /codearts slash command and the
// buttons of the living message. Everything arrives by injection (functions/handlers/api.ts wires the real
// adapters and Powertools; the local run and the tests wire theirs), so this file only translates HTTP to use
// cases and back.
import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { RegistrationDeps } from '../app/registration/watches.js';
import { runSlashCommand } from '../app/slash-command/respond.js';
import type { FeedStatus } from '../core/feed.js';
import { DEFAULT_WATCH_LIMITS, type WatchLimits } from '../core/trust.js';
import type {
  ChannelStore,
  CodeArtsPort,
  Logger,
  PeopleStore,
  PollQueue,
  RunArchive,
  SlackResponder,
  TaskRepository,
  WatchStore,
} from '../ports.js';
import type { ApiKeySource } from './http/auth.js';
import { guardBody } from './http/body.js';
import { errorShaper } from './http/errors.js';
import { interactionsRoute } from './http/interactions-route.js';
import { peopleRoutes } from './http/people-routes.js';
import { type RouteSpec, registrationRoutes, route } from './http/registration-routes.js';
import { INTERNAL_ERROR_BODY, json } from './http/responses.js';
import { routeNotFound, stripStage } from './http/routing.js';
import { requireSlackSignature } from './http/slack-signature.js';

export interface ApiHandlerDeps {
  store: WatchStore & ChannelStore;
  /** Who CodeArts users are in Slack (`/people`); without it those routes are not served. */
  people?: PeopleStore;
  /** Finished runs, for `/codearts report`; without it reports have no figures. */
  runs?: RunArchive;
  /** Called per request, so a rotated Huawei credential is used as soon as the configuration has it. */
  codearts: CodeArtsPort;
  /** Valid bearer keys (several, so a key can be rotated without downtime). Called per request; cache upstream. */
  apiKeys: ApiKeySource;
  /** Slack's signing secret; undefined switches the slash command off (503). Called per request. */
  slackSigningSecret: () => Promise<string | undefined> | string | undefined;
  /** Workspaces the slash command serves (SLACK_TEAM_ID); empty or absent: any workspace that signs. */
  slackTeamIds?: () => Promise<readonly string[]> | readonly string[];
  /** What one channel may hold; default 100 watches, 5 of them unconfirmed. */
  limits?: WatchLimits;
  /** Region of tasks registered without one. */
  defaultRegion: string;
  now: () => number;
  /**
   * When the planner last planned a tick to the end (epoch ms), e.g. `() => ticks.lastCompletedAt()`: every
   * healthy watch was polled then. Optional: without it, "last poll" is the last time a poll wrote the task.
   */
  lastPollCycleAt?: () => Promise<number | null> | number | null;
  /** The change feed's health as the planner last wrote it (`GET /tasks` shows it per task); optional. */
  feedStatus?: () => Promise<FeedStatus> | FeedStatus;
  /** Powertools on Lambda (api.ts), the terminal locally; the pipeline's every log line goes here. */
  logger: Logger;
  /** How long `POST /tasks` waits for CodeArts before answering 503. Default 10 s (API Gateway allows 30). */
  verifyTimeoutMs?: number;
  /** How long `/codearts watch` waits for CodeArts before storing the watch unverified. Default 2 s. */
  slashVerifyTimeoutMs?: number;
  /**
   * Buttons pressed in Slack (`POST /slack/interactions`): presses are stored in the task items and a poll queued for
   * a worker; refusals are answered through the press's response_url. Absent: the route answers 503.
   */
  interactions?: {
    tasks: Pick<TaskRepository, 'getTask' | 'putTask' | 'deleteTask'>;
    queue: PollQueue;
    responder: SlackResponder;
    /** How long the queued poll's follow-ups go on (the planner's period, POLL_INTERVAL_SECONDS). */
    followMs: number;
  };
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** Slack's command payloads are a few hundred bytes. */
const MAX_FORM_BODY_BYTES = 16 * 1024;

/** What the urlencode parser leaves in `event.body`. */
type Form = Record<string, string | string[] | undefined>;

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

/**
 * `middlewares` are the Lambda's own, run first (api.ts: Powertools' injectLambdaContext, as the planner and the
 * worker have it).
 */
export const createApiHandler = (deps: ApiHandlerDeps, middlewares: MiddlewareObj[] = []): ApiHandler => {
  const { logger } = deps;
  const registration: RegistrationDeps & { limits: WatchLimits } = {
    store: deps.store,
    codearts: deps.codearts,
    defaultRegion: deps.defaultRegion,
    now: deps.now,
    limits: deps.limits ?? DEFAULT_WATCH_LIMITS,
    logger,
  };
  /** What GET /tasks adds beside the watches: worth showing, never worth failing the answer for. */
  const bestEffort =
    <T>(what: string, read: (() => Promise<T> | T) | undefined) =>
    async (): Promise<T | null> => {
      if (read === undefined) return null;
      try {
        return await read();
      } catch (error) {
        logger.warn(`${what} unavailable`, { error });
        return null;
      }
    };
  const readCycleAt = bestEffort('Last poll cycle time', deps.lastPollCycleAt);
  const lastCycleAt = async (): Promise<string | null> => {
    const ms = await readCycleAt();
    return ms === null ? null : new Date(ms).toISOString();
  };
  const feedStatus = bestEffort('Change feed status', deps.feedStatus);

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
        teamId: formField(form, 'team_id'),
        command: formField(form, 'command'),
      };
      try {
        const answer = await runSlashCommand(
          {
            ...registration,
            verifyTimeoutMs: deps.slashVerifyTimeoutMs ?? 2000,
            lastCycleAt,
            ...(deps.runs === undefined ? {} : { runs: deps.runs }),
            allowedTeams: (await deps.slackTeamIds?.()) ?? [],
          },
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

  const routes: RouteSpec[] = [
    { method: 'GET', path: '/health', handler: health },
    ...registrationRoutes({
      registration,
      apiKeys: deps.apiKeys,
      logger,
      verifyTimeoutMs: deps.verifyTimeoutMs ?? 10_000,
      lastCycleAt,
      feedStatus,
    }),
    ...(deps.people === undefined
      ? []
      : peopleRoutes({ people: deps.people, apiKeys: deps.apiKeys, logger, now: deps.now })),
    { method: 'POST', path: '/slack/commands', handler: slashCommand },
    {
      method: 'POST',
      path: '/slack/interactions',
      handler: interactionsRoute({
        presses:
          deps.interactions === undefined
            ? undefined
            : {
                ...deps.interactions,
                allowedTeams: async () => (await deps.slackTeamIds?.()) ?? [],
                now: deps.now,
                logger,
              },
        signingSecret: deps.slackSigningSecret,
        now: deps.now,
        logger,
      }),
    },
  ];

  const pipeline = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>();
  for (const middleware of middlewares) pipeline.use(middleware);
  return pipeline
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
