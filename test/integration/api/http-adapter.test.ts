// The local HTTP adapter: Node request → API Gateway v2 event → Node response, over real HTTP.
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalApiServer, type LocalApiServer } from '../../../local/http-adapter.js';

let server: LocalApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A handler that answers with the event it got, so tests can see the translation. */
const start = async (
  answer: (event: APIGatewayProxyEventV2) => APIGatewayProxyResultV2 | Promise<APIGatewayProxyResultV2> = (
    event,
  ) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  }),
  options: Omit<Parameters<typeof createLocalApiServer>[1], 'port'> = {},
): Promise<string> => {
  server = await createLocalApiServer(async (event) => answer(event), { port: 0, ...options });
  return server.url;
};

/** Raw request, so repeated headers and odd bodies reach the server exactly as written. */
const raw = (
  url: string,
  options: { method?: string; path: string; headers?: [string, string][]; body?: Buffer | string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: options.method ?? 'GET', path: options.path },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    for (const [name, value] of options.headers ?? []) req.appendHeader(name, value);
    req.end(options.body);
  });

describe('createLocalApiServer', () => {
  it('builds the payload-2.0 event API Gateway would send', async () => {
    const url = await start();
    const res = await raw(url, {
      method: 'POST',
      path: '/tasks/abc?channel=%23deploys&x=1&x=2&flag',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'a'],
        ['X-Multi', 'b'],
        ['Cookie', 'a=1; b=2'],
      ],
      body: '{"hello":"wörld"}',
    });
    const event = JSON.parse(res.body) as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/tasks/abc',
      rawQueryString: 'channel=%23deploys&x=1&x=2&flag',
      queryStringParameters: { channel: '#deploys', x: '1,2', flag: '' },
      cookies: ['a=1', 'b=2'],
      body: '{"hello":"wörld"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/tasks/abc' }, stage: '$default' },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-multi']).toBe('a,b');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('base64-encodes bodies that are not text, byte for byte', async () => {
    const url = await start();
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const res = await raw(url, {
      method: 'PUT',
      path: '/x',
      headers: [['content-type', 'application/octet-stream']],
      body: bytes,
    });
    const event = JSON.parse(res.body) as APIGatewayProxyEventV2;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('leaves body undefined when there is none, and omits query parameters without a query', async () => {
    const url = await start();
    const event = JSON.parse((await raw(url, { path: '/health' })).body) as APIGatewayProxyEventV2;
    expect(event.body).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('writes structured results back, decoding base64 bodies and setting cookies', async () => {
    const url = await start(() => ({
      statusCode: 418,
      headers: { 'x-one': 'yes', 'content-type': 'application/octet-stream' },
      cookies: ['session=1; HttpOnly'],
      body: Buffer.from('teapot').toString('base64'),
      isBase64Encoded: true,
    }));
    const res = await fetch(`${url}/x`);
    expect(res.status).toBe(418);
    expect(res.headers.get('x-one')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('session=1; HttpOnly');
    expect(await res.text()).toBe('teapot');
  });

  it('treats a bare string or object result as a 200 JSON body, as API Gateway does', async () => {
    let result: APIGatewayProxyResultV2 = '{"a":1}';
    const url = await start(() => result);
    expect(await (await fetch(url)).json()).toEqual({ a: 1 });
    result = { hello: 'there' } as unknown as APIGatewayProxyResultV2;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'there' });
  });

  it('answers 413 itself, without calling the handler, when the declared body is too big', async () => {
    let calls = 0;
    const url = await start(
      () => {
        calls++;
        return { statusCode: 200, body: '{}' };
      },
      { maxBodyBytes: 1024 },
    );
    const res = await fetch(`${url}/tasks`, {
      method: 'POST',
      body: 'x'.repeat(4096),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'payload_too_large', message: expect.stringContaining('1024') },
    });
    expect(calls).toBe(0);
  });

  it('answers 413 when a chunked body grows past the cap', async () => {
    const url = await start(() => ({ statusCode: 200, body: '{}' }), { maxBodyBytes: 1024 });
    const chunks = async function* () {
      for (let i = 0; i < 8; i++) yield new TextEncoder().encode('y'.repeat(512));
    };
    const res = await fetch(`${url}/tasks`, {
      method: 'POST',
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('answers 408 and closes a connection whose body drips in slower than the request timeout', async () => {
    let calls = 0;
    const url = await start(
      () => {
        calls++;
        return { statusCode: 200, body: '{}' };
      },
      { requestTimeoutMs: 300, headersTimeoutMs: 200 },
    );
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // One byte now and then, never the whole body: the server must give up on its own.
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    await closed;
    clearInterval(drip);
    expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 408/);
    expect(calls).toBe(0);
  });

  it('drops connections beyond its connection cap, and serves again once they go', async () => {
    const url = await start(() => ({ statusCode: 204 }), { maxConnections: 2 });
    const target = new URL(url);
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
      });
    const held = [await open(), await open()];
    const third = await open();
    const thirdAnswer = await new Promise<string>((resolve) => {
      const data: Buffer[] = [];
      third.on('data', (chunk: Buffer) => data.push(chunk));
      third.on('close', () => resolve(Buffer.concat(data).toString('latin1')));
      third.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(thirdAnswer).toBe('');
    const gone = held.map((socket) => new Promise((resolve) => socket.on('close', resolve)));
    for (const socket of held) socket.destroy();
    await Promise.all(gone);
    // The server counts a connection gone when it sees the close, a moment after the client does.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 204; attempt++) {
      status = await fetch(url).then(
        (res) => res.status,
        () => 0,
      );
    }
    expect(status).toBe(204);
  });

  it('hides a handler crash behind a generic 500 and reports it', async () => {
    const errors: unknown[] = [];
    const url = await start(
      () => {
        throw new Error('secret internals');
      },
      { onError: (error) => errors.push(error) },
    );
    const res = await fetch(url);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(body).not.toContain('secret');
    expect(errors).toHaveLength(1);
  });

  it('gives the handler a Lambda-like context with a deadline', async () => {
    let remaining = 0;
    server = await createLocalApiServer(
      async (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
        return { statusCode: 204 };
      },
      { port: 0, timeoutMs: 5_000 },
    );
    expect((await fetch(server.url)).status).toBe(204);
    expect(remaining).toBeGreaterThan(4_000);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });

  it('closes promptly even with keep-alive connections open', async () => {
    const url = await start();
    await fetch(url, { headers: { connection: 'keep-alive' } });
    const started = Date.now();
    await server?.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(url)).rejects.toThrow();
  });
});
