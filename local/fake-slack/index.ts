// local → the fake Slack Web API (tests and local runs).
export {
  FakeSlack,
  type FakeSlackCall,
  type FakeSlackEdit,
  type FakeSlackFault,
  type FakeSlackMessage,
  type FakeSlackMetadata,
  type FakeSlackOptions,
  type FakeSlackResponse,
} from './fake-slack.js';
export { BURST_SECONDS, type FakeSlackLimits } from './rate-limits.js';
