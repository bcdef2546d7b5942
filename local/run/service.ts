// local/run → `npm start` assembled: the same API handler, poll cycle and adapters as on AWS, with local
// stand-ins where an account would be needed (dynalite for DynamoDB, the simulator for CodeArts, the
// terminal for Slack). Each stand-in steps aside when the real thing is configured.
import { join } from 'node:path';
import { systemClock } from '../../functions/adapters/system-clock.js';
import { runPollCycle } from '../../functions/app/poll-cycle.js';
import { watchTask } from '../../functions/app/registration/watches.js';
import { ConfigError, type NotifierConfig, parseConfig } from '../../functions/config.js';
import { createApiHandler } from '../../functions/handlers/api-handler.js';
import { buildCodeArts } from '../../functions/handlers/runtime.js';
import { buildSlack } from '../../functions/handlers/slack-runtime.js';
import { type CodeArtsPort, type Logger, noMetrics, type SlackPort } from '../../functions/ports.js';
import { createLocalApiServer, type LocalApiServer } from '../http-adapter.js';
import { Screen, type TerminalOut } from '../terminal-slack/screen.js';
import { createStyle, wantsColor } from '../terminal-slack/style.js';
import { TerminalSlack } from '../terminal-slack/terminal-slack.js';
import { loadOrCreateApiKey } from './api-key.js';
import { bannerLines } from './banner.js';
import { lockDataDir } from './data-dir.js';
import { DEMO_EVERY_MS, DEMO_FAIL_EVERY, type DemoCodeArts, startDemoCodeArts } from './demo.js';
import { type LocalDynamo, startLocalDynamo } from './dynamo.js';
import { createTerminalLogger, parseLogLevel } from './logger.js';
import { PollLoop } from './poll-loop.js';
import { cycleBudgetMs, type LocalSettings, localSettings } from './settings.js';

export interface LocalServiceOptions {
  env: Record<string, string | undefined>;
  /** Default process.stdout. */
  out?: TerminalOut & { isTTY?: boolean };
  cwd?: string;
}

export interface LocalService {
  apiUrl: string;
  settings: LocalSettings;
  logger: Logger;
  /** Stops everything, in reverse order of starting; safe to call twice. */
  stop(): Promise<void>;
}

/** How long Ctrl-C waits for a running cycle to wind down (it was asked to stop via its signal). */
const STOP_CYCLE_TIMEOUT_MS = 5_000;

/** Starts the whole service. Throws ConfigError for bad configuration (before starting anything) or a busy PORT. */
export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const { env } = options;
  const out = options.out ?? process.stdout;
  const cwd = options.cwd ?? process.cwd();
  const config = parseConfig(env);
  const settings = localSettings(config, env, cwd);
  // Real CodeArts without credentials is a configuration error: say so before anything starts.
  let codearts: CodeArtsPort | null = settings.demo ? null : buildCodeArts(config);
  let slack: SlackPort | null = settings.terminalSlack ? null : buildSlack(config);

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

    if (slack === null) {
      slack = new TerminalSlack({
        screen,
        style,
        persistPath: join(settings.dataDir, 'terminal-slack.jsonl'),
      });
    }

    const now = () => Date.now();
    const handler = createApiHandler({
      store,
      codearts,
      apiKeys: () => apiKey.keys,
      slackSigningSecret: () => config.slack.signingSecret,
      slackTeamIds: () => config.slack.teamIds,
      limits: config.channels,
      defaultRegion: config.codearts.region,
      timeZone: config.codearts.timeZone,
      now,
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
      // Watch the demo task before it first deploys, so its first run is reported from the start.
      if (autoWatch && !(await store.getTask(demo.taskId))) {
        await watchTask(
          {
            store,
            codearts,
            defaultRegion: config.codearts.region,
            timeZone: config.codearts.timeZone,
            now,
            limits: config.channels,
          },
          {
            taskId: demo.taskId,
            channel: demo.channel,
            region: undefined,
            options: { notify: 'all', mode: 'thread', mentions: [] },
          },
          { via: 'system', name: 'demo' },
        );
      }
      demo.startDeploying();
    }

    const deps = {
      repository: store,
      lease: store,
      codearts,
      slack,
      clock: systemClock,
      logger,
      metrics: noMetrics,
      timeZone: config.codearts.timeZone,
      consoleUrlTemplate: config.codearts.consoleUrlTemplate,
    };
    const loop = new PollLoop(
      (cycle) =>
        runPollCycle(
          deps,
          { concurrency: config.codearts.concurrency, activePollSeconds: settings.activePollSeconds },
          cycle,
        ),
      {
        intervalMs: settings.pollIntervalSeconds * 1000,
        budgetMs: cycleBudgetMs(settings.pollIntervalSeconds),
        onReport: (report) => {
          const trouble = report.codeartsFailures + report.deliveryFailures + report.taskErrors;
          // With the terminal as Slack the messages speak for themselves; otherwise say what was sent.
          if (trouble > 0 || (!settings.terminalSlack && report.events > 0)) {
            logger.info('Poll cycle', {
              tasks: report.tasks,
              changes: report.events,
              delivered: report.deliveries,
              failed: report.deliveryFailures,
              codeartsFailures: report.codeartsFailures,
              ms: report.durationMs,
            });
          }
        },
        onError: (error) => logger.error('Poll cycle failed; trying again next tick', { error }),
      },
    );
    stops.push(() => loop.stop(STOP_CYCLE_TIMEOUT_MS));

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
          cwd,
        },
        style,
      ),
    );
    if (lock.tookOverFromDeadProcess) {
      logger.info('The previous run did not stop cleanly; whatever it had not delivered is delivered now');
    }
    loop.start();

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
