// adapters/slack → the Slack side of the notifier.
export { SlackAdapter, type SlackAdapterOptions } from './adapter.js';
export {
  createSlackWebClient,
  DEFAULT_SLACK_API_URL,
  type SlackWebClientOptions,
  withoutRetries,
} from './client.js';
export { PLATFORM_ERROR_KINDS, platformErrorKind, toSlackDeliveryError } from './errors.js';
export { DEFAULT_SLACK_HOOKS_URL, SlackResponseUrl, type SlackResponseUrlOptions } from './response-url.js';
