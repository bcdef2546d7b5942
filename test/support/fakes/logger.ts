// Test fakes: a logger that keeps what it was told.
import type { Logger } from '../../../functions/ports.js';

/** A logger that keeps what it was told, so tests can assert that internals went to the log, not the caller. */
export const recordingLogger = (): Logger & {
  entries: { level: string; message: string; extra?: unknown }[];
} => {
  const entries: { level: string; message: string; extra?: unknown }[] = [];
  const at =
    (level: string) =>
    (message: string, extra?: Record<string, unknown>): void => {
      entries.push({ level, message, extra });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};
