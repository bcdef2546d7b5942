// local/run → log lines for a person at a terminal: time, level, message, then key=value details. They go
// through the Screen, so they land above a living message being redrawn rather than through it.
import type { Logger } from '../../functions/ports.js';
import type { Screen } from '../terminal-slack/screen.js';
import type { Style } from '../terminal-slack/style.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export const parseLogLevel = (raw: string | undefined): LogLevel => {
  const level = raw?.trim().toLowerCase();
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info';
};

const MAX_VALUE_CHARS = 300;

const show = (value: unknown): string => {
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else if (typeof value === 'string') text = /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
};

export function createTerminalLogger(options: {
  screen: Screen;
  style: Style;
  level: LogLevel;
  now?: () => number;
}): Logger {
  const { screen, style } = options;
  const now = options.now ?? Date.now;
  const tint: Record<LogLevel, (text: string) => string> = {
    debug: style.dim,
    info: (text) => style.colored('#5f87af', text),
    warn: (text) => style.colored('warning', text),
    error: (text) => style.colored('danger', text),
  };
  const write = (level: LogLevel, message: string, extra: Record<string, unknown> | undefined) => {
    if (ORDER[level] < ORDER[options.level]) return;
    const time = new Date(now()).toTimeString().slice(0, 8);
    const details = Object.entries(extra ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${show(value)}`)
      .join(' ');
    screen.print([
      `${style.dim(time)} ${tint[level](level.padEnd(5))} ${message}${details ? ` ${style.dim(details)}` : ''}`,
    ]);
  };
  return {
    debug: (message, extra) => write('debug', message, extra),
    info: (message, extra) => write('info', message, extra),
    warn: (message, extra) => write('warn', message, extra),
    error: (message, extra) => write('error', message, extra),
  };
}
