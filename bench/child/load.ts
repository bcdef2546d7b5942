// bench child → a fresh Node process imports one Lambda bundle and reports how long that took: the module
// load part of a cold start (the AWS SDK resolves from node_modules, as the runtime provides it).
import '../lib/quiet-warnings.js';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
if (!bundle || !process.send) throw new Error('usage: forked with IPC, argv[2] = bundle file');
const started = performance.now();
await import(pathToFileURL(bundle).href);
const loaded = performance.now();
// performance.now() counts from process start, so `loaded` also includes Node's own bootstrap.
process.send({ importMs: loaded - started, sinceProcessStartMs: loaded }, undefined, {}, () =>
  process.exit(0),
);
