// adapter → Powertools Logger and Metrics behind the app's Logger/Metrics ports.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger, Metrics, MetricUnit } from '../../ports.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';

export function createPowertools(serviceName: string): {
  logger: PowertoolsLogger;
  metrics: PowertoolsMetrics;
  loggerPort: Logger;
  metricsPort: Metrics;
} {
  const logger = new PowertoolsLogger({ serviceName });
  const metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    logger,
    metrics,
    loggerPort: {
      debug: (message, extra) => logger.debug(message, extra ?? {}),
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
    metricsPort: {
      add: (name: string, value: number, unit: MetricUnit = 'Count') => metrics.addMetric(name, unit, value),
    },
  };
}
