// Test support: the real CodeArts client pointed at the simulator, as every end-to-end test, the harness and the
// reliability rig build it (only the endpoints differ from the Lambdas').
import { CodeArtsClient, type CodeArtsClientOptions } from '../../functions/adapters/codearts/client.js';
import type { CodeArtsSimulator } from '../../local/codearts-simulator/index.js';

/**
 * A client for `sim`'s IAM and Deploy API in cn-north-4, with 2 s per request: signed in with a token the
 * simulator issued unless `options.auth` says otherwise. `now` is the clock the test drives the simulator with.
 */
export function simulatorClient(
  sim: CodeArtsSimulator,
  options: Partial<CodeArtsClientOptions> & { now: () => number },
): CodeArtsClient {
  return new CodeArtsClient({
    region: 'cn-north-4',
    endpoint: sim.url,
    iamEndpoint: sim.url,
    timeoutMs: 2000,
    ...options,
    auth: options.auth ?? { type: 'token', token: sim.issueToken() },
  });
}
