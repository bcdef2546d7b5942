// ports/observability → logging and metrics (Powertools on Lambda).

/** Structured logging (Powertools on Lambda); `extra` must never carry secrets. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';

/** Metrics (Powertools EMF on Lambda). Names are part of the alarm contract (see lib/). */
export interface Metrics {
  add(name: string, value: number, unit?: MetricUnit): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const noMetrics: Metrics = { add() {} };
