// local/run → `npm start` assembled: the same API, planner and worker handlers and adapters as on AWS, with local
// stand-ins where an account would be needed (dynalite for DynamoDB, an embedded SQS and a local event source
// mapping for the poll queue, the simulator for CodeArts, the terminal for Slack). Each stand-in steps aside when
// the real thing is configured.
import { join } from 'node:path';
import { createSqsClient } from '../../functions/adapters/sqs/client.js';
import { SqsPollQueue } from '../../functions/adapters/sqs/poll-queue.js';
import { watchTask } from '../../functions/app/registration/watches.js';
import { ConfigError, type NotifierConfig, parseConfig } from '../../functions/config.js';
import { createApiHandler } from '../../functions/handlers/api-pipeline.js';
import { createPlannerHandler } from '../../functions/handlers/planner-pipeline.js';
import { buildCodeArts } from '../../functions/handlers/wiring/codearts.js';
import { buildSlack, buildSlackResponder } from '../../functions/handlers/wiring/slack.js';
import { createWorkerHandler } from '../../functions/handlers/worker-pipeline.js';
import {
  type CodeArtsActionsPort,
  type CodeArtsFeedPort,
  type CodeArtsPort,
  type Logger,
  noMetrics,
  type SlackPort,
  type SlackResponder,
  type SlackUserGroups,
} from '../../functions/ports.js';
import {
  callBudget,
  MAX_BATCHING_WINDOW_SECONDS,
  workerBatchSize,
} from '../../functions/shared/call-budget.js';
import { createLocalApiServer, type LocalApiServer } from '../http-adapter.js';
import { startEmbeddedSqs } from '../sqs/embedded-sqs.js';
import { lambdaContext } from '../sqs/lambda-event.js';
import { QueueConsumer } from '../sqs/queue-consumer.js';
import { Screen, type TerminalOut } from '../terminal-slack/screen.js';
import { createStyle, wantsColor } from '../terminal-slack/style.js';
import { TerminalSlack } from '../terminal-slack/terminal-slack.js';
import { loadOrCreateApiKey } from './api-key.js';
import { bannerLines } from './banner.js';
import { lockDataDir } from './data-dir.js';
import { DEMO_EVERY_MS, DEMO_FAIL_EVERY, type DemoCodeArts, startDemoCodeArts } from './demo.js';
import { type LocalDynamo, startLocalDynamo } from './dynamo.js';
import { createTerminalLogger, parseLogLevel } from './logger.js';
import { startPressPrompt } from './press-prompt.js';
import { type LocalSettings, localSettings, tickBudgetMs } from './settings.js';
import { loadOrCreateSigningSecret } from './signing-secret.js';
import { TickLoop } from './tick-loop.js';

export interface LocalServiceOptions {
  env: Record<string, string | undefined>;
  /** Default process.stdout. */
  out?: TerminalOut & { isTTY?: boolean };
  cwd?: string;
  /** Where presses of the living message's buttons are typed (with Slack in the terminal); default: none. */
  input?: NodeJS.ReadableStream;
}

/** The operator of the demo watch: who the prompt presses buttons as. */
export const LOCAL_OPERATOR = 'U0LOCALOPS';
/** The workspace local presses come from, unless SLACK_TEAM_ID names one. */
export const LOCAL_TEAM = 'T0LOCAL00';

export interface LocalService {
  apiUrl: string;
  settings: LocalSettings;
  logger: Logger;
  /** Stops everything, in reverse order of starting; safe to call twice. */
  stop(): Promise<void>;
}

/** How long Ctrl-C waits for a running tick or batch to wind down (it was asked to stop via its signal). */
const STOP_TIMEOUT_MS = 5_000;
/**
 * A worker invocation's time budget. Shorter than the Lambda's 30 s: a local batch takes a second or two, and a
 * delivery claim lasts until the invocation's deadline (plus a few seconds), so after `npm start` was killed the
 * claims it held lapse in about 15 s and the restarted service delivers what they held back.
 */
const WORKER_TIMEOUT_MS = 10_000;

/** Starts the whole service. Throws ConfigError for bad configuration (before starting anything) or a busy PORT. */
export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const { env } = options;
  const out = options.out ?? process.stdout;
  const cwd = options.cwd ?? process.cwd();
  const config = parseConfig(env);
  const settings = localSettings(config, env, cwd);
  // Real CodeArts without credentials is a configuration error: say so before anything starts.
  let codearts: (CodeArtsPort & CodeArtsFeedPort & CodeArtsActionsPort) | null = settings.demo
    ? null
    : buildCodeArts(config);
  let slack: (SlackPort & SlackUserGroups) | null = settings.terminalSlack ? null : buildSlack(config);
  let responder: SlackResponder | null = settings.terminalSlack ? null : buildSlackResponder(config);

  const style = createStyle(wantsColor(out, env));
  const screen = new Screen(out);
  const logger = createTerminalLogger({ screen, style, level: parseLogLevel(env.LOG_LEVEL) });

  // Started resources, stopped in reverse on failure or shutdown.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.warn('Stopping a part of the service failed', { error }));
    }
  };

  try {
    const lock = lockDataDir(settings.dataDir);
    stops.push(async () => lock.release());
    const apiKey = loadOrCreateApiKey(config.apiKeys, settings.dataDir);
    // No Slack app signs anything for the terminal: the prompt and `notifier slack press` sign with this one.
    const signing = settings.terminalSlack
      ? loadOrCreateSigningSecret(config.slack.signingSecret, settings.dataDir)
      : { secret: config.slack.signingSecret, file: null };
    const team = config.slack.teamIds[0] ?? LOCAL_TEAM;

    const dynamo: LocalDynamo = await startLocalDynamo({
      dataDir: settings.dataDir,
      tableName: settings.tableName,
      endpoint: config.table.endpoint,
    });
    stops.push(dynamo.stop);
    const { store } = dynamo;

    let demo: DemoCodeArts | null = null;
    if (settings.demo) {
      demo = await startDemoCodeArts(config.codearts.region);
      stops.push(demo.stop);
      codearts = buildCodeArts(withCodeArts(config, demo));
    }
    if (codearts === null) throw new Error('unreachable: CodeArts is configured or simulated');

    if (slack === null || responder === null) {
      const terminal = new TerminalSlack({
        screen,
        style,
        persistPath: join(settings.dataDir, 'terminal-slack.jsonl'),
      });
      slack = terminal;
      responder = terminal;
    }

    // The embedded SQS is started before the API: a button press queues a poll of its task.
    const sqs = await startEmbeddedSqs({ visibilityTimeoutSeconds: (WORKER_TIMEOUT_MS / 1000) * 6 });
    stops.push(sqs.stop);
    const sqsClient = createSqsClient({ endpoint: sqs.endpoint, region: sqs.region });
    stops.push(async () => sqsClient.destroy());
    const queue = new SqsPollQueue({ client: sqsClient, queueUrl: sqs.queueUrl });

    const now = () => Date.now();
    const handler = createApiHandler({
      store,
      people: dynamo.insight,
      runs: dynamo.insight,
      codearts,
      apiKeys: () => apiKey.keys,
      slackSigningSecret: () => signing.secret,
      slackTeamIds: () => config.slack.teamIds,
      interactions: { tasks: store, queue, responder, followMs: settings.pollIntervalSeconds * 1000 },
      limits: config.channels,
      defaultRegion: config.codearts.region,
      now,
      lastPollCycleAt: () => dynamo.ticks.lastCompletedAt(),
      feedStatus: () => dynamo.feedStatus.read(),
      logger,
    });
    const server: LocalApiServer = await createLocalApiServer(handler, {
      port: config.local.port,
      host: '127.0.0.1',
      onError: (error) => logger.error('API request failed', { error }),
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      throw new ConfigError([
        `PORT ${config.local.port} is already in use: stop what listens there, or set PORT to another port (0 picks a free one)`,
      ]);
    });
    stops.push(() => server.close());

    // Simulated deployments go to the terminal on their own; a real workspace's #deployments is someone's
    // real channel, so there the demo waits to be watched on purpose (the banner says how).
    const autoWatch = demo !== null && settings.terminalSlack;
    if (demo) {
      // Watch the demo task before it first deploys, so its first run is reported from the start; its operator
      // is who the prompt presses buttons as (watching again with the same options changes nothing).
      if (autoWatch) {
        await watchTask(
          {
            store,
            codearts,
            defaultRegion: config.codearts.region,
            now,
            limits: config.channels,
          },
          {
            taskId: demo.taskId,
            channel: demo.channel,
            region: undefined,
            options: { notify: 'all', mode: 'thread', mentions: [], operators: [LOCAL_OPERATOR] },
          },
          { via: 'system', name: 'demo' },
        );
      }
      demo.startDeploying();
    }

    // The poll queue (an embedded SQS, nothing kept across a restart: the task items are the truth, and the
    // first tick refills it) and a local event source mapping handing its batches to the worker handler.
    const budget = callBudget(config.codearts.concurrency);
    const pollLogger = quietSummaries(logger);
    const workerRuntime = {
      deps: {
        repository: store,
        gates: dynamo.gates,
        queue,
        codearts,
        slack,
        logger: pollLogger,
        metrics: noMetrics,
        timeZone: config.codearts.timeZone,
        consoleUrlTemplate: config.codearts.consoleUrlTemplate,
        now,
        acting: { actions: codearts, groups: slack, responder },
        runs: dynamo.insight,
        people: dynamo.insight,
      },
      settings: { callsPerWorker: budget.callsPerWorker, activePollSeconds: settings.activePollSeconds },
    };
    const worker = createWorkerHandler(() => workerRuntime, pollLogger);
    const consumer = QueueConsumer.start({
      client: sqsClient,
      queueUrl: sqs.queueUrl,
      queueArn: sqs.queueArn,
      region: sqs.region,
      handler: worker,
      concurrency: budget.workers,
      // Batches gathered as the event source mapping gathers them (functions/shared/call-budget.ts).
      batchSize: workerBatchSize(budget),
      batchingWindowMs: MAX_BATCHING_WINDOW_SECONDS * 1000,
      timeoutMs: WORKER_TIMEOUT_MS,
      visibilityTimeoutSeconds: (WORKER_TIMEOUT_MS / 1000) * 6,
      onError: (error, stage) =>
        logger.error(`Poll worker failed (${stage}); SQS offers the polls again`, { error }),
    });
    stops.push(() => consumer.stop(STOP_TIMEOUT_MS));

    const plannerRuntime = {
      deps: {
        index: store,
        ticks: dynamo.ticks,
        gates: dynamo.gates,
        queue,
        feed: config.poll.changeFeed ? codearts : null,
        feedStatus: dynamo.feedStatus,
        logger: pollLogger,
        metrics: noMetrics,
        now,
      },
      settings: {
        intervalSeconds: settings.pollIntervalSeconds,
        changeFeed: config.poll.changeFeed,
        sweepMinutes: config.poll.sweepMinutes,
        codeartsConcurrency: config.codearts.concurrency,
      },
    };
    const planner = createPlannerHandler(() => plannerRuntime);
    const budgetMs = tickBudgetMs(settings.pollIntervalSeconds);
    const loop = new TickLoop(
      (tick) =>
        planner(
          { scheduledTime: tick.scheduledTime },
          lambdaContext({ functionName: 'planner-local', region: sqs.region, timeoutMs: budgetMs }),
        ),
      {
        intervalMs: settings.pollIntervalSeconds * 1000,
        budgetMs,
        onError: (error) => logger.error('Planning a tick failed; trying again next tick', { error }),
      },
    );
    stops.push(() => loop.stop(STOP_TIMEOUT_MS));

    screen.print(
      bannerLines(
        {
          apiUrl: server.url,
          apiKey,
          settings,
          dataLocation: dynamo.embedded ? settings.dataDir : dynamo.location,
          codearts: demo
            ? { simulatorUrl: demo.simulator.url }
            : { endpoint: config.codearts.endpoint ?? '', region: config.codearts.region },
          slack: settings.terminalSlack
            ? { terminal: true }
            : { terminal: false, apiUrl: config.slack.apiUrl },
          demo: demo
            ? {
                taskId: demo.taskId,
                taskName: demo.taskName,
                channel: demo.channel,
                watched: autoWatch,
                everyMinutes: DEMO_EVERY_MS / 60_000,
                failEvery: DEMO_FAIL_EVERY,
              }
            : null,
          acting:
            autoWatch && signing.secret !== undefined
              ? {
                  operator: LOCAL_OPERATOR,
                  team,
                  prompt: options.input !== undefined,
                  signingSecretFile: signing.file,
                }
              : null,
          cwd,
        },
        style,
      ),
    );
    if (lock.tookOverFromDeadProcess) {
      logger.info('The previous run did not stop cleanly; whatever it had not delivered is delivered now');
    }
    loop.start();
    if (options.input !== undefined && settings.terminalSlack && signing.secret !== undefined) {
      const prompt = startPressPrompt({
        input: options.input,
        apiUrl: server.url,
        signingSecret: signing.secret,
        store,
        user: LOCAL_OPERATOR,
        team,
        defaultTaskId: demo?.taskId ?? null,
        print: (lines) => screen.print(lines),
      });
      stops.push(async () => prompt.stop());
    }

    let stopping: Promise<void> | null = null;
    return {
      apiUrl: server.url,
      settings,
      logger,
      stop: () => {
        stopping ??= stopAll().finally(() => screen.close());
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The counts a summary line carries that mean something went wrong (see functions/shared/metrics.ts). */
const TROUBLE_FIELDS = [
  'slackFailures',
  'codeartsFailures',
  'codeartsThrottled',
  'taskErrors',
  'feedFallbacks',
] as const;

/**
 * The planner's and workers' routine summary lines ("Tick planned", "Batch polled") at debug level, so the terminal
 * shows the messages themselves; a summary that counts trouble is still shown.
 */
function quietSummaries(logger: Logger): Logger {
  return {
    ...logger,
    info: (message, extra) => {
      const routine = message === 'Tick planned' || message === 'Batch polled';
      const trouble = TROUBLE_FIELDS.some((field) => Number(extra?.[field] ?? 0) > 0);
      if (routine && !trouble) logger.debug(message, extra);
      else logger.info(message, extra);
    },
  };
}

/** The configuration pointed at the simulator, logging in as its demo user. */
function withCodeArts(config: NotifierConfig, demo: DemoCodeArts): NotifierConfig {
  return {
    ...config,
    codearts: {
      ...config.codearts,
      endpoint: demo.simulator.url,
      iamEndpoint: demo.simulator.url,
      auth: demo.auth,
    },
  };
}
