// local/codearts-simulator → public entry: the simulator, its clocks and the types tests rely on.
export { canonicalRequest, parseAuthorization, signatureFor } from './aksk.js';
export { DEFAULT_MANUAL_START_MS, ManualClock, type SimClock, SystemClock } from './clock.js';
export { type DemoSetup, seedDemo } from './demo.js';
export type { ActionFault, Fault, FaultTarget, FeedFault, ResponseFault } from './faults.js';
export { AK_LOCK_FAILURES, AK_LOCK_MS, SDK_DATE_SKEW_MS, TOKEN_TTL_MS } from './iam.js';
export {
  type AuthKind,
  CodeArtsSimulator,
  type RequestLogEntry,
  type SimulatorOptions,
} from './simulator.js';
export type { RunOutcome, RunScript, SimRunStatus, StepTruth } from './timeline.js';
export type { FieldTypes, RunTrigger, RunTruth, SimParam, StepListing, TaskSpec } from './world.js';
