// adapter → Powertools Logger and Metrics behind the app's Logger/Metrics ports (the planner and the worker).
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger, Metrics, MetricUnit } from '../../ports.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';
import { createPowertoolsLogger } from './powertools-logger.js';

export function createPowertools(serviceName: string): {
  logger: PowertoolsLogger;
  metrics: PowertoolsMetrics;
  loggerPort: Logger;
  metricsPort: Metrics;
} {
  const { logger, loggerPort } = createPowertoolsLogger(serviceName);
  const metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    logger,
    metrics,
    loggerPort,
    metricsPort: {
      add: (name: string, value: number, unit: MetricUnit = 'Count') => metrics.addMetric(name, unit, value),
    },
  };
}
