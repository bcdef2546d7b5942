// core/render → Slack message rendering: pure functions from runs and events to Slack messages.
export {
  type ChangeAudience,
  type ChangeMessageInput,
  isFailureEvent,
  renderChangeMessage,
  renderFailureAnnouncement,
  renderRecoveryAnnouncement,
} from './change-message.js';
export { DEFAULT_CONSOLE_URL_TEMPLATE, expandConsoleUrl } from './console-url.js';
export { formatSeconds, isUnsuccessful, slackDate, statusLook } from './format.js';
export { SLACK_LIMITS, slackLimitViolations } from './limits.js';
export { type RenderContext, renderLivingMessage } from './living-message.js';
export { type DeliveryPlan, type PlanInput, planDelivery } from './plan.js';
export { escapeMrkdwn } from './text.js';
export { renderTaskGoneNotice } from './watch-notices.js';
