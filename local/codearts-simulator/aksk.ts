// local/codearts-simulator → the gateway's side of SDK-HMAC-SHA256: rebuild the canonical request
// from what actually arrived on the wire and compare signatures. Written independently of the
// client's signer so that a shared misunderstanding cannot make both sides agree by accident.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SDK_HMAC_SHA256 = 'SDK-HMAC-SHA256';

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`, or null when it is not that scheme. */
export const parseAuthorization = (header: string | undefined): ParsedAuthorization | null => {
  if (header === undefined) return null;
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SDK_HMAC_SHA256} `)) return null;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SDK_HMAC_SHA256.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKey || !signedHeaders || !signature) return null;
  return { accessKey, signedHeaders: signedHeaders.split(';'), signature };
};

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (upper-case hex). */
export const rfc3986 = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

export const canonicalUri = (rawPath: string): string => {
  const encoded = rawPath
    .split('/')
    .map((segment) => rfc3986(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
};

export const canonicalQuery = (rawQuery: string): string =>
  rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
      return [rfc3986(key), rfc3986(value)] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

export interface ReceivedRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded. */
  rawPath: string;
  /** The query exactly as sent, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const headerValue = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
};

export const canonicalRequest = (req: ReceivedRequest, signedHeaders: readonly string[]): string => {
  const names = signedHeaders.map((h) => h.toLowerCase());
  const payloadHash =
    headerValue(req.headers, 'x-sdk-content-sha256') === 'UNSIGNED-PAYLOAD'
      ? 'UNSIGNED-PAYLOAD'
      : createHash('sha256').update(req.body).digest('hex');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    names.map((name) => `${name}:${headerValue(req.headers, name)}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
};

export const signatureFor = (canonical: string, sdkDate: string, secretKey: string): string => {
  const hashed = createHash('sha256').update(canonical).digest('hex');
  const stringToSign = `${SDK_HMAC_SHA256}\n${sdkDate}\n${hashed}`;
  return createHmac('sha256', secretKey).update(stringToSign).digest('hex');
};

export const sameSignature = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};
