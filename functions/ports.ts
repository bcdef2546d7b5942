// ports → the narrow interfaces that app/ and core/ depend on, one file per side of the world in ports/. Adapters
// implement them; tests use fakes. Everything is imported from here.
export type { Clock } from './ports/clock.js';
export {
  CODEARTS_CODES,
  type CodeArtsActionsPort,
  type CodeArtsCallOptions,
  CodeArtsError,
  type CodeArtsErrorKind,
  type CodeArtsFeedPort,
  type CodeArtsPort,
  type GetTaskStateOptions,
  type ListApplicationsOptions,
  type ListTaskHistoryOptions,
  type StartTaskOptions,
} from './ports/codearts.js';
export {
  type Logger,
  type Metrics,
  type MetricUnit,
  noMetrics,
  silentLogger,
} from './ports/observability.js';
export type {
  FeedStatusStore,
  FleetGates,
  GateName,
  PlannerTicks,
  PollMessage,
  PollQueue,
  QueuedPoll,
  TickClaim,
  WatchIndex,
  WatchIndexEntry,
  WatchIndexPage,
} from './ports/poll-pipeline.js';
export {
  SlackDeliveryError,
  type SlackErrorKind,
  type SlackFoundMessage,
  type SlackMessage,
  type SlackMetadata,
  type SlackMetadataQuery,
  type SlackPort,
  type SlackPostTarget,
  type SlackResponder,
  type SlackUserGroups,
} from './ports/slack.js';
export type {
  ChannelStore,
  PeopleDirectory,
  PeopleStore,
  Person,
  RunArchive,
  TaskRepository,
  WatchStore,
} from './ports/store.js';
