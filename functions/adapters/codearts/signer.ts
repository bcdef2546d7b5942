// adapters/codearts → Huawei Cloud API Gateway request signing, SDK-HMAC-SHA256, as Huawei's API signing
// guide describes it. Small and dependency-free because the current Node SDK has no /state operation, so it
// is not used.
import { createHash, createHmac } from 'node:crypto';

export const SDK_HMAC_SHA256 = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
}

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers to send and sign (names in any case). `Host` and `X-Sdk-Date` are added. */
  headers: Record<string, string>;
  body?: string;
}

/** RFC 3986: unreserved characters (`A-Za-z0-9-._~`) stay, everything else is %XX-encoded. */
export const rfc3986 = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export const sdkDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Each path segment encoded per RFC 3986; the gateway's canonical URI always ends in `/`. */
export const canonicalUri = (pathname: string): string => {
  const encoded = pathname
    .split('/')
    .map((segment) => rfc3986(decode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
};

/** Keys (then values) sorted, both RFC 3986-encoded, `k=v` joined with `&`. */
export const canonicalQueryString = (search: string): string =>
  search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return [
        rfc3986(decode(eq < 0 ? pair : pair.slice(0, eq))),
        rfc3986(decode(eq < 0 ? '' : pair.slice(eq + 1))),
      ];
    })
    .sort(([ka = '', va = ''], [kb = '', vb = '']) => (ka === kb ? compare(va, vb) : compare(ka, kb)))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex');

/** The headers that get signed: every header given, lower-cased and sorted. */
const signedHeaderMap = (headers: Record<string, string>): Map<string, string> =>
  new Map(
    Object.entries(headers)
      .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
      .sort(([a], [b]) => compare(a, b)),
  );

export const canonicalRequest = (request: SignableRequest): string => {
  const headers = signedHeaderMap(request.headers);
  return [
    request.method.toUpperCase(),
    canonicalUri(request.url.pathname),
    canonicalQueryString(request.url.search),
    [...headers].map(([name, value]) => `${name}:${value}\n`).join(''),
    [...headers.keys()].join(';'),
    request.body === undefined || request.body === '' ? EMPTY_BODY_SHA256 : sha256Hex(request.body),
  ].join('\n');
};

export const stringToSign = (canonical: string, date: string): string =>
  `${SDK_HMAC_SHA256}\n${date}\n${sha256Hex(canonical)}`;

export const signature = (canonical: string, date: string, secretKey: string): string =>
  createHmac('sha256', secretKey).update(stringToSign(canonical, date)).digest('hex');

/**
 * Signs a request: returns every header to send (the given ones, `X-Sdk-Date` and `Authorization`).
 * `Host` is signed from the URL but not returned, since fetch sets it itself (to the same value).
 */
export const signRequest = (
  request: SignableRequest,
  credentials: AkSkCredentials,
  nowMs: number,
): Record<string, string> => {
  const date = sdkDate(nowMs);
  const toSign = { ...request.headers, host: request.url.host, 'x-sdk-date': date };
  const canonical = canonicalRequest({ ...request, headers: toSign });
  const signedHeaders = [...signedHeaderMap(toSign).keys()].join(';');
  const { host: _host, ...toSend } = toSign;
  return {
    ...toSend,
    authorization: `${SDK_HMAC_SHA256} Access=${credentials.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature(canonical, date, credentials.secretKey)}`,
  };
};
