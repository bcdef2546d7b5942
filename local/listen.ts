// local → starting a local HTTP server (the simulator, the fake Slack, the embedded SQS, the local API) on a port,
// with a failure to bind (a busy port) as a rejection rather than an uncaught 'error' event.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `port` (0: any free one) at `host`; resolves with the port it got. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
