// handlers/wiring → the CodeArts client built from the configuration (every function: the planner reads the change
// feed, the workers poll and act, the api verifies tasks).
import { CodeArtsClient } from '../../adapters/codearts/client.js';
import { ConfigError, type NotifierConfig } from '../../config.js';
import type { CodeArtsActionsPort, CodeArtsFeedPort, CodeArtsPort } from '../../ports.js';

/** The CodeArts client: reading tasks and runs, the change feed, and the acting calls a press from Slack makes. */
export function buildCodeArts(config: NotifierConfig): CodeArtsPort & CodeArtsFeedPort & CodeArtsActionsPort {
  const { auth, region, endpoint, iamEndpoint } = config.codearts;
  if (!auth) {
    throw new ConfigError([
      'CodeArts credentials are missing: set HUAWEI_ACCESS_KEY + HUAWEI_SECRET_KEY, or HUAWEI_DOMAIN_NAME + HUAWEI_USER_NAME + HUAWEI_PASSWORD, or HUAWEI_AUTH_TOKEN',
    ]);
  }
  return new CodeArtsClient({
    region,
    auth,
    timeZone: config.codearts.timeZone,
    ...(endpoint ? { endpoint } : {}),
    ...(iamEndpoint ? { iamEndpoint } : {}),
  });
}
