import { describe, expect, it } from 'vitest';
import {
  classify,
  DEFAULT_RETRY_AFTER_MS,
  httpError,
  parseErrorFields,
  retryAfterMs,
} from '../../../functions/adapters/codearts/errors.js';
import { CodeArtsError } from '../../../functions/ports.js';

describe('CodeArts error bodies', () => {
  it('reads the flat error_code/error_msg of the live dual shape before error.code', () => {
    const body =
      '{"error":{"code":"DEV-12-10303","reason":"无执行记录"},"status":"error","error_code":"Deploy.00011303","error_msg":"无执行记录"}';
    expect(parseErrorFields(body)).toEqual({ code: 'Deploy.00011303', message: '无执行记录' });
  });

  it('reads the documented {error:{code,message}} shape and error.reason', () => {
    expect(
      parseErrorFields({ error: { code: 'DEV.CH.10001', message: 'Param invalid' }, status: 'failed' }),
    ).toEqual({
      code: 'DEV.CH.10001',
      message: 'Param invalid',
    });
    expect(parseErrorFields({ error: { code: 'X', reason: 'why' } })).toEqual({ code: 'X', message: 'why' });
  });

  it("reads IAM's Keystone shape with a numeric code", () => {
    expect(parseErrorFields({ error: { code: 401, title: 'Unauthorized', message: 'wrong' } })).toEqual({
      code: '401',
      message: 'wrong',
    });
  });

  it('gives nothing for HTML, truncated JSON and non-objects', () => {
    for (const body of ['<html><body>502 Bad Gateway</body></html>', '{"error_code":"A', '[1]', 'null', '']) {
      expect(parseErrorFields(body)).toEqual({ code: undefined, message: undefined });
    }
  });

  it('classifies by code before status', () => {
    expect(classify(404, 'Deploy.00011020')).toBe('task-gone');
    expect(classify(400, 'Deploy.00011303')).toBe('record-gone');
    expect(classify(200, 'Deploy.00011303')).toBe('record-gone');
    expect(classify(401, undefined)).toBe('auth');
    expect(classify(403, 'APIGW.0301')).toBe('auth');
    expect(classify(429, undefined)).toBe('throttled');
    expect(classify(400, 'APIG.0308')).toBe('throttled');
    expect(classify(404, 'APIG.0101')).toBe('bad-request');
    expect(classify(400, 'Deploy.00011027')).toBe('bad-request');
    expect(classify(502, undefined)).toBe('server');
    expect(classify(503, 'APIG.0203')).toBe('server');
    expect(classify(302, undefined)).toBe('bad-response');
  });

  it('reads Retry-After as seconds or an HTTP date, else suggests the default', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(new Date(now + 4000).toUTCString(), now)).toBe(4000);
    expect(retryAfterMs(null, now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs('soon', now)).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('builds an error with code, request ID and a status-line fallback, redacted', () => {
    const error = httpError({
      what: 'CodeArts GET /x',
      status: 502,
      statusText: 'Bad Gateway',
      body: '<html>secret-token-123</html>',
      requestId: 'req-1',
      retryAfter: null,
      nowMs: 0,
      redact: (t) => t.replaceAll('secret-token-123', '[redacted]'),
    });
    expect(error).toBeInstanceOf(CodeArtsError);
    expect(error.kind).toBe('server');
    expect(error.status).toBe(502);
    expect(error.code).toBeUndefined();
    expect(error.requestId).toBe('req-1');
    expect(error.message).toBe('CodeArts GET /x: HTTP 502: Bad Gateway (request req-1)');

    const leaky = httpError({
      what: 'CodeArts GET /x',
      status: 401,
      statusText: 'Unauthorized',
      body: '{"error_code":"APIG.0301","error_msg":"bad token secret-token-123"}',
      requestId: undefined,
      retryAfter: null,
      nowMs: 0,
      redact: (t) => t.replaceAll('secret-token-123', '[redacted]'),
    });
    expect(leaky.message).not.toContain('secret-token-123');
    expect(leaky.code).toBe('APIG.0301');
  });
});
