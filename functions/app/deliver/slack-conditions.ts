// app → what one worker invocation knows about Slack while it delivers many tasks at once: a revoked token stops
// every delivery, and a channel Slack rate-limited is left alone until its Retry-After. Seeded from the fleet's
// gates, so a pause another worker met is honoured here too.
import type { SlackDeliveryError } from '../../ports.js';

export class SlackConditions {
  readonly #pausedUntil = new Map<string, number>();
  #tokenBroken: SlackDeliveryError | null = null;
  /** Pauses met in this invocation, to share with the fleet. */
  readonly #metHere = new Map<string, number>();

  constructor(channelPauses: Iterable<[channel: string, untilMs: number]> = []) {
    for (const [channel, until] of channelPauses) this.#pausedUntil.set(channel, until);
  }

  get tokenBroken(): SlackDeliveryError | null {
    return this.#tokenBroken;
  }

  pausedUntil(channel: string): number {
    return this.#pausedUntil.get(channel) ?? 0;
  }

  pause(channel: string, untilMs: number): void {
    if (untilMs <= this.pausedUntil(channel)) return;
    this.#pausedUntil.set(channel, untilMs);
    this.#metHere.set(channel, untilMs);
  }

  breakToken(error: SlackDeliveryError): void {
    this.#tokenBroken ??= error;
  }

  /** The channel pauses this invocation met itself (not the ones it was seeded with). */
  pausesMet(): ReadonlyMap<string, number> {
    return this.#metHere;
  }
}
