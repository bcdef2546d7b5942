// handlers → checks on the raw request body that must happen before any parser sees it.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ApiError } from './responses.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body's bytes as the client sent them (API Gateway v2 base64-encodes non-text bodies). */
export const rawBody = (event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer => {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
};

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export const mediaType = (header: string | undefined): string =>
  (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * Rejects bodies over `maxBytes` (413) and of another media type (415), then hands the parser a plain UTF-8
 * string so no later step has to care whether API Gateway base64-encoded it.
 */
export const guardBody = (options: {
  maxBytes: number;
  mediaTypes: readonly string[];
}): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async (request) => {
    const { event } = request;
    const bytes = rawBody(event);
    if (bytes.length > options.maxBytes) {
      throw new ApiError(413, 'payload_too_large', `The body must be at most ${options.maxBytes} bytes`);
    }
    const type = mediaType(event.headers?.['content-type']);
    if (!options.mediaTypes.includes(type)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Send the body as ${options.mediaTypes.join(' or ')}${type === '' ? '' : ` (got ${type.slice(0, 100)})`}`,
      );
    }
    const charset = /;\s*charset\s*=\s*"?([\w-]+)"?/i.exec(event.headers?.['content-type'] ?? '')?.[1];
    if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset.toLowerCase())) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Send the body as UTF-8 (got charset ${charset.slice(0, 40)})`,
      );
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      // Refusing beats decoding to U+FFFD and storing a mangled channel or name.
      throw new ApiError(400, 'invalid_body', 'The body is not valid UTF-8');
    }
    event.body = text;
    event.isBase64Encoded = false;
    // Parsers match the media type case-sensitively and without spaces; hand them the one checked here.
    if (event.headers !== undefined) event.headers['content-type'] = type;
  },
});
