// ports → the narrow interfaces that app/ and core/ depend on, one file per side of the world in ports/. Adapters
// implement them; tests use fakes. Everything is imported from here.
export * from './ports/clock.js';
export * from './ports/codearts.js';
export * from './ports/observability.js';
export * from './ports/poll-pipeline.js';
export * from './ports/slack.js';
export * from './ports/store.js';
