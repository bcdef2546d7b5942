// Waiting on work that may not honour an abort signal itself: used by the app (registration gives up on a slow
// CodeArts) and by the CodeArts adapter (a caller stops waiting for an IAM token other callers share).

/**
 * `promise`, or a rejection as soon as `signal` aborts, whichever comes first. The work behind `promise` is not
 * cancelled: it may be shared with other callers, or not listen to the signal at all. The rejection carries
 * `abortError(signal)`, by default the signal's reason.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  abortError: (signal: AbortSignal) => unknown = (aborted) => aborted.reason,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
