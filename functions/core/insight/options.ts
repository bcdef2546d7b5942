// core/insight → a watch's insight options (quiet hours, digest): compared and cleared like its other options.
import type { Subscription, SubscriptionOptions } from '../model.js';

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const sameInsightOptions = (a: SubscriptionOptions, b: SubscriptionOptions): boolean =>
  sameJson(a.quietHours, b.quietHours) && sameJson(a.digest, b.digest);

/** The subscription without its quiet hours and digest (a re-watch sets them afresh). */
export function withoutInsightOptions(subscription: Subscription): Subscription {
  const { quietHours: _quiet, digest: _digest, ...rest } = subscription;
  return rest;
}
