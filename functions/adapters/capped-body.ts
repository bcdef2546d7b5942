// adapters → response bodies read with a byte cap. A CodeArts or Slack answer is a few KB; without a cap a
// broken or hostile endpoint could stream hundreds of MB into a 256 MB Lambda. Written by hand because fetch
// has no body limit of its own: refused early on `content-length`, and cut off once the bytes read pass the cap
// (which also catches chunked and compressed bodies, whose length is known only while reading).

/** Far above any real answer (a `/state` body is a few KB), far below what hurts a 256 MB function. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly limit: number;

  constructor(limit: number, declared?: number) {
    super(
      declared === undefined
        ? `the answer is longer than ${limit} bytes`
        : `the answer declares ${declared} bytes, more than the ${limit} accepted`,
    );
    this.limit = limit;
  }
}

/** The declared length when it is over the cap, else null (absent or acceptable). */
const declaredOver = (headers: Headers, limit: number): number | null => {
  const declared = Number(headers.get('content-length') ?? '');
  return Number.isFinite(declared) && declared > limit ? declared : null;
};

/** The body's bytes, stopping (and cancelling the transfer) as soon as they pass `limit`. */
const readBytes = async (body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> => {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
};

/** `response.text()` with a cap: rejects with {@link BodyTooLargeError} for a body over `limit` bytes. */
export const readCappedText = async (response: Response, limit = MAX_RESPONSE_BYTES): Promise<string> => {
  const declared = declaredOver(response.headers, limit);
  if (declared !== null) {
    await response.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limit, declared);
  }
  if (response.body === null) return '';
  // Like response.text(): UTF-8, invalid sequences replaced rather than refused.
  return new TextDecoder().decode(await readBytes(response.body, limit));
};

/**
 * A `fetch` whose responses carry a capped body, for clients that read the body themselves (@slack/web-api's
 * `fetch` option). An over-long body rejects the client's read, and the transfer is cancelled.
 */
export const cappedFetch =
  (limit = MAX_RESPONSE_BYTES, fetchImpl: typeof fetch = globalThis.fetch): typeof fetch =>
  async (input, init) => {
    const response = await fetchImpl(input, init);
    const declared = declaredOver(response.headers, limit);
    if (declared !== null) {
      await response.body?.cancel().catch(() => {});
      throw new BodyTooLargeError(limit, declared);
    }
    if (response.body === null) return response;
    let size = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > limit) controller.error(new BodyTooLargeError(limit));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
