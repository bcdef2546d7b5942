// adapters/slack → the Slack side of the notifier.
export { SlackAdapter, type SlackAdapterOptions } from './adapter.js';
export {
  createSlackWebClients,
  type SlackWebClientOptions,
  type SlackWebClients,
} from './client.js';
export { PLATFORM_ERROR_KINDS, platformErrorKind, toSlackDeliveryError } from './errors.js';
export { SlackResponseUrl, type SlackResponseUrlOptions } from './response-url.js';
