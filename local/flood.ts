// local → an answer far larger than any real one, streamed until the client stops reading. The fakes (CodeArts
// simulator, fake Slack) answer with it on request, so tests can show that clients cap what they read.
import type { ServerResponse } from 'node:http';

export interface FloodOptions {
  /** How many body bytes to offer in all. */
  bytes: number;
  /** Send `Content-Length` up front (a client can refuse at once), or stream chunked (it must count). */
  declareLength: boolean;
  contentType: string;
  /** The start of the body, so it looks like the real answer at first. */
  prefix: string;
}

const CHUNK = Buffer.alloc(64 * 1024, 'a');

/**
 * Writes the flood with back-pressure, never buffering more than a chunk, and stops when the client goes.
 * Resolves with the bytes actually handed to the socket.
 */
export const streamFlood = async (res: ServerResponse, options: FloodOptions): Promise<number> => {
  const prefix = Buffer.from(options.prefix, 'utf8');
  const total = Math.max(options.bytes, prefix.length);
  res.on('error', () => {});
  res.writeHead(200, {
    'content-type': options.contentType,
    ...(options.declareLength ? { 'content-length': String(total) } : {}),
  });
  let sent = 0;
  const write = (chunk: Buffer): Promise<void> | null => {
    sent += chunk.length;
    if (res.write(chunk)) return null;
    return new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
  await write(prefix);
  while (sent < total && !res.destroyed) {
    const chunk = total - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, total - sent);
    await write(chunk);
  }
  if (!res.destroyed) res.end();
  return sent;
};
