// local → serves an API Gateway HTTP API (payload 2.0) handler from Node's http server, so `npm start` and
// the integration tests run the very handler Lambda runs. Translates the request into the event API Gateway
// would send, and the handler's result back into a response.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { listen } from './listen.js';

export type ApiGatewayV2Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface LocalApiServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 127.0.0.1: the local API is for this machine. */
  host?: string;
  /** Bodies above this are refused with 413 before the handler runs. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The Lambda-like deadline each request gets (context.getRemainingTimeInMillis). Default 30 s. */
  timeoutMs?: number;
  /** Where to report a handler that threw; the client only ever sees a generic 500. */
  onError?: (error: unknown) => void;
  /** A request (headers and body) must arrive within this, or it gets 408 and the connection closes. Default 15 s. */
  requestTimeoutMs?: number;
  /** The headers must arrive within this. Default 10 s (never more than the request timeout). */
  headersTimeoutMs?: number;
  /** Connections beyond this are dropped at once. Default 64. */
  maxConnections?: number;
}

export interface LocalApiServer {
  url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Node's own defaults (300 s per request, unlimited connections) let a client that drips its body a byte at a
 * time hold a connection for five minutes, and many of them hold the process. A local API call is small and
 * quick; these bound what a slow or hostile client can hold.
 */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 64;

/** API Gateway passes these through as text; everything else arrives base64-encoded. */
const isTextual = (contentType: string | undefined): boolean => {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type === '' ||
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
};

const errorJson = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

class BodyTooLargeError extends Error {}

const readBody = (request: IncomingMessage, maxBytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData);
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** Builds the payload-2.0 event API Gateway would send for this request. */
export const toApiGatewayEvent = (request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  // rawHeaders keeps repeats apart; API Gateway joins repeated headers with commas and lifts cookies out.
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') cookies.push(...value.split(/;\s*/).filter(Boolean));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  const method = (request.method ?? 'GET').toUpperCase();
  const now = new Date();
  const textual = isTextual(headers['content-type']);
  const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length === 0 ? {} : { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !textual,
  };
};

const lambdaContext = (requestId: string, timeoutMs: number): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'api-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:api-local',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/api-local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

/** API Gateway's reading of a handler result: a bare string or object is a 200 JSON body. */
const writeResult = (response: ServerResponse, result: APIGatewayProxyResultV2): void => {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'string'
      ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: result }
      : typeof result === 'object' && result !== null && 'statusCode' in result
        ? result
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const body = structured.body ?? '';
  const bytes = structured.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    response.setHeader(name, String(value));
  if (structured.cookies !== undefined && structured.cookies.length > 0)
    response.setHeader('set-cookie', structured.cookies);
  response.setHeader('content-length', bytes.length);
  response.statusCode = structured.statusCode ?? 200;
  response.end(bytes);
};

const refuse = (response: ServerResponse, status: number, body: string, close = false): void => {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(body);
};

export const createLocalApiServer = async (
  handler: ApiGatewayV2Handler,
  options: LocalApiServerOptions,
): Promise<LocalApiServer> => {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const host = options.host ?? '127.0.0.1';
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);

  const serverOptions = {
    requestTimeout,
    headersTimeout,
    // Node checks the two timeouts only this often (30 s by default), which would stretch a short timeout.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 2))),
  };
  const server = createServer(serverOptions, (request, response) => {
    readBody(request, maxBodyBytes)
      .then(async (body) => {
        const event = toApiGatewayEvent(request, body);
        const result = await handler(event, lambdaContext(event.requestContext.requestId, timeoutMs));
        writeResult(response, result);
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          // Answer now and drop the connection: reading the rest would only waste time.
          refuse(
            response,
            413,
            errorJson('payload_too_large', `The body must be at most ${maxBodyBytes} bytes`),
            true,
          );
          request.resume();
          return;
        }
        options.onError?.(error);
        refuse(
          response,
          500,
          errorJson('internal_error', 'The notifier could not handle this request. Try again later.'),
        );
      });
  });

  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const port = await listen(server, options.port, host);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
};
