import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  rfc3986,
  sdkDate,
  signature,
  signRequest,
} from '../../../functions/adapters/codearts/signer.js';
import {
  canonicalRequest as gatewayCanonicalRequest,
  parseAuthorization,
  signatureFor,
} from '../../../local/codearts-simulator/aksk.js';

// The worked example of Huawei's API signing guide.
const VECTOR = {
  url: new URL(
    'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  ),
  date: '20191115T033655Z',
  dateMs: Date.UTC(2019, 10, 15, 3, 36, 55),
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  canonical: [
    'GET',
    '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
    'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    'content-type:application/json',
    'host:service.region.example.com',
    'x-sdk-date:20191115T033655Z',
    '',
    'content-type;host;x-sdk-date',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n'),
  canonicalHash: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

describe('SDK-HMAC-SHA256 signer', () => {
  it('builds the canonical request of the published example byte for byte', () => {
    const canonical = canonicalRequest({
      method: 'get',
      url: VECTOR.url,
      headers: {
        'Content-Type': 'application/json',
        Host: 'service.region.example.com',
        'X-Sdk-Date': VECTOR.date,
      },
    });
    expect(canonical).toBe(VECTOR.canonical);
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(VECTOR.canonicalHash);
    expect(signature(canonical, VECTOR.date, VECTOR.sk)).toBe(VECTOR.signature);
  });

  it('signs the published example end to end, adding X-Sdk-Date and the Authorization header', () => {
    const headers = signRequest(
      { method: 'GET', url: VECTOR.url, headers: { 'Content-Type': 'application/json' } },
      { accessKey: VECTOR.ak, secretKey: VECTOR.sk },
      VECTOR.dateMs,
    );
    expect(headers['x-sdk-date']).toBe(VECTOR.date);
    expect(headers.authorization).toBe(
      `SDK-HMAC-SHA256 Access=${VECTOR.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${VECTOR.signature}`,
    );
    // fetch sets Host itself; sending our own would be ignored or rejected.
    expect(Object.keys(headers).map((h) => h.toLowerCase())).not.toContain('host');
  });

  it('formats X-Sdk-Date as YYYYMMDDTHHMMSSZ in UTC', () => {
    expect(sdkDate(VECTOR.dateMs)).toBe(VECTOR.date);
    expect(sdkDate(Date.UTC(2025, 0, 2, 3, 4, 5, 999))).toBe('20250102T030405Z');
  });

  it('always ends the canonical URI in a slash and encodes segments per RFC 3986', () => {
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/v2/tasks/abc/state')).toBe('/v2/tasks/abc/state/');
    expect(canonicalUri('/v2/tasks/abc/')).toBe('/v2/tasks/abc/');
    expect(canonicalUri('/a%20b/c~d/e!f')).toBe('/a%20b/c~d/e%21f/');
  });

  it('sorts the query and encodes keys and values per RFC 3986 (~ kept, space as %20)', () => {
    expect(canonicalQueryString('?step_state=true&record_id=abc')).toBe('record_id=abc&step_state=true');
    expect(canonicalQueryString('b=2&a=x%20y&a=1&c')).toBe('a=1&a=x%20y&b=2&c=');
    expect(rfc3986("a b~c*d'(e)!")).toBe('a%20b~c%2Ad%27%28e%29%21');
    expect(canonicalQueryString('')).toBe('');
  });

  it('hashes a non-empty body', () => {
    const canonical = canonicalRequest({
      method: 'POST',
      url: new URL('https://h/x'),
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(canonical.split('\n').at(-1)).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
  });

  it("lets the simulator's gateway check rebuild the published example from the wire", () => {
    const received = {
      method: 'GET',
      rawPath: VECTOR.url.pathname,
      rawQuery: VECTOR.url.search.slice(1),
      headers: {
        'content-type': 'application/json',
        host: 'service.region.example.com',
        'x-sdk-date': VECTOR.date,
      },
      body: Buffer.alloc(0),
    };
    const canonical = gatewayCanonicalRequest(received, ['content-type', 'host', 'x-sdk-date']);
    expect(canonical).toBe(VECTOR.canonical);
    expect(signatureFor(canonical, VECTOR.date, VECTOR.sk)).toBe(VECTOR.signature);
  });

  it("is verified by the simulator's independently written gateway check, for any path and query", () => {
    const segment = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })), {
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (segments, params, nowMs) => {
          const path = `/${segments.map(rfc3986).join('/')}`;
          const search = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
          const url = new URL(`http://127.0.0.1:4010${path}${search ? `?${search}` : ''}`);
          const sent = signRequest(
            { method: 'GET', url, headers: { 'content-type': 'application/json' } },
            { accessKey: 'AK', secretKey: 'SK' },
            nowMs,
          );
          const auth = parseAuthorization(sent.authorization);
          expect(auth).not.toBeNull();
          const received = {
            method: 'GET',
            rawPath: url.pathname,
            rawQuery: url.search.slice(1),
            headers: { ...sent, host: url.host },
            body: Buffer.alloc(0),
          };
          const expected = signatureFor(
            gatewayCanonicalRequest(received, auth?.signedHeaders ?? []),
            sent['x-sdk-date'] ?? '',
            'SK',
          );
          expect(auth?.signature).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
