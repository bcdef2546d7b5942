// local/run → what `npm start` derives from the configuration: demo or real CodeArts, terminal or real
// Slack, where the data lives, and how the timer paces the planner's ticks.
import { isAbsolute, resolve } from 'node:path';
import type { NotifierConfig } from '../../functions/config.js';

export interface LocalSettings {
  /** No CODEARTS_ENDPOINT: run the built-in CodeArts simulator with a demo task. */
  demo: boolean;
  /** No SLACK_BOT_TOKEN: show Slack messages in the terminal. */
  terminalSlack: boolean;
  /** Absolute. */
  dataDir: string;
  tableName: string;
  pollIntervalSeconds: number;
  activePollSeconds: number;
  /** The poll settings are the demo's defaults (worth saying in the banner). */
  demoPacing: boolean;
}

/** In the demo a run lasts about half a minute: tick often enough that the newcomer sees it move. */
export const DEMO_POLL_INTERVAL_SECONDS = 15;
export const DEMO_ACTIVE_POLL_SECONDS = 3;

const isSet = (env: Record<string, string | undefined>, name: string) => (env[name]?.trim() ?? '') !== '';

export function localSettings(
  config: NotifierConfig,
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): LocalSettings {
  const demo = config.codearts.endpoint === undefined;
  const intervalSet = isSet(env, 'POLL_INTERVAL_SECONDS');
  const activeSet = isSet(env, 'ACTIVE_POLL_SECONDS');
  return {
    demo,
    terminalSlack: config.slack.botToken === undefined,
    dataDir: isAbsolute(config.local.dataDir) ? config.local.dataDir : resolve(cwd, config.local.dataDir),
    tableName: config.table.name ?? 'notifier',
    pollIntervalSeconds: demo && !intervalSet ? DEMO_POLL_INTERVAL_SECONDS : config.poll.intervalSeconds,
    activePollSeconds: demo && !activeSet ? DEMO_ACTIVE_POLL_SECONDS : config.poll.activePollSeconds,
    demoPacing: demo && (!intervalSet || !activeSet),
  };
}

/**
 * How long one planner tick may run: like the planner Lambda on a one-minute schedule, a little less than the
 * interval (it finishes in well under a second locally), so two never overlap.
 */
export function tickBudgetMs(intervalSeconds: number): number {
  const interval = intervalSeconds * 1000;
  return Math.max(1000, Math.min(interval - 1000, 50_000));
}
