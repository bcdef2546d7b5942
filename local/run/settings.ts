// local/run → what `npm start` derives from the configuration: demo or real CodeArts, terminal or real
// Slack, where the data lives, and how the timer paces poll cycles.
import { isAbsolute, resolve } from 'node:path';
import { SAFETY_MARGIN_MS } from '../../functions/app/poll-cycle.js';
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
 * How long one cycle may run: like a Lambda on a one-minute schedule, the interval less 5 s. Short local
 * intervals would leave nothing once the cycle's own 4 s safety margin is taken, so the budget never drops
 * below that margin plus half the interval (and never exceeds the interval: cycles must not overlap).
 */
export function cycleBudgetMs(intervalSeconds: number): number {
  const interval = intervalSeconds * 1000;
  return Math.max(interval - 5_000, Math.min(interval, SAFETY_MARGIN_MS + interval / 2));
}
