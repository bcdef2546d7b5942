// adapter → a Powertools Logger behind the app's Logger port. Apart from powertools.ts (which adds Metrics) so a
// function that publishes no metrics (the api) does not bundle Powertools Metrics.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../ports.js';

/** `logger` for injectLambdaContext, `loggerPort` for the code. */
export function createPowertoolsLogger(serviceName: string): {
  logger: PowertoolsLogger;
  loggerPort: Logger;
} {
  const logger = new PowertoolsLogger({ serviceName });
  return {
    logger,
    loggerPort: {
      debug: (message, extra) => logger.debug(message, extra ?? {}),
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
  };
}
