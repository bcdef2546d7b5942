// Test support: the poll queue as SQS behaves, on a manual clock, and as badly as SQS is allowed to: per-message
// delays, a visibility timeout after each receive (a message not deleted in time comes back), at-least-once
// delivery (a message may arrive twice) and no order. The embedded SQS (local-aws-sqs) runs in real time, so
// the suites that play hours of simulated deployments use this instead; the real wire protocol is tested by the
// SQS adapter's and the local run's own tests.
import type { SQSRecord } from 'aws-lambda';
import { encodePollMessage } from '../../functions/adapters/sqs/poll-message.js';
import type { PollQueue, QueuedPoll } from '../../functions/ports.js';

export interface SimQueueOptions {
  now: () => number;
  /** How long a received message stays invisible unless deleted. Default 180 s. */
  visibilityTimeoutMs?: number;
  /** Decides, per message sent, whether SQS stores it twice (at-least-once delivery). */
  duplicate?: (poll: QueuedPoll) => boolean;
  /** Seeded randomness for the order of receives; without it, messages come in the order they became visible. */
  random?: () => number;
}

interface Stored {
  id: string;
  body: string;
  visibleAt: number;
  sentAt: number;
  receives: number;
}

export class SimulatedQueue implements PollQueue {
  #options: SimQueueOptions;
  readonly #messages = new Map<string, Stored>();
  #next = 0;
  /** Calls made to the queue, as SQS would bill them (a batch of up to 10 is one request). */
  readonly requests = { send: 0, receive: 0, delete: 0 };
  sent = 0;
  duplicated = 0;
  /** Receives of a message received before (its visibility timeout ran out without it being deleted). */
  redelivered = 0;

  constructor(options: SimQueueOptions) {
    this.#options = options;
  }

  /** Changes how badly the queue behaves from now on (duplicates, order). */
  misbehave(chaos: Pick<SimQueueOptions, 'duplicate' | 'random'>): void {
    this.#options = {
      now: this.#options.now,
      ...(this.#options.visibilityTimeoutMs
        ? { visibilityTimeoutMs: this.#options.visibilityTimeoutMs }
        : {}),
      ...chaos,
    };
  }

  async send(polls: readonly QueuedPoll[]): Promise<void> {
    this.requests.send += Math.ceil(polls.length / 10);
    const now = this.#options.now();
    for (const poll of polls) {
      const copies = this.#options.duplicate?.(poll) ? 2 : 1;
      if (copies > 1) this.duplicated++;
      for (let i = 0; i < copies; i++) {
        const id = `m-${++this.#next}`;
        this.#messages.set(id, {
          id,
          body: encodePollMessage(poll.message),
          visibleAt: now + poll.delaySeconds * 1000,
          sentAt: now,
          receives: 0,
        });
      }
      this.sent++;
    }
  }

  /**
   * Up to `max` visible messages, each hidden for the visibility timeout from now. Counted as SQS would bill it:
   * one request per ten messages returned (a ReceiveMessage returns at most ten). The requests a poller makes of
   * an empty queue (long polls) are not counted: they depend on how long it waits, not on the work.
   */
  receive(max = 10): SQSRecord[] {
    const now = this.#options.now();
    let visible = [...this.#messages.values()].filter((m) => m.visibleAt <= now);
    visible.sort((a, b) => a.visibleAt - b.visibleAt);
    const random = this.#options.random;
    if (random)
      visible = visible
        .map((m) => ({ m, k: random() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.m);
    const taken = visible.slice(0, max);
    this.requests.receive += Math.ceil(taken.length / 10);
    return taken.map((m) => {
      m.receives++;
      if (m.receives > 1) this.redelivered++;
      m.visibleAt = now + (this.#options.visibilityTimeoutMs ?? 180_000);
      return toRecord(m, now);
    });
  }

  delete(ids: readonly string[]): void {
    if (ids.length > 0) this.requests.delete += Math.ceil(ids.length / 10);
    for (const id of ids) this.#messages.delete(id);
  }

  /** When the next hidden message becomes visible, if any is waiting. */
  nextVisibleAt(): number | null {
    let at: number | null = null;
    for (const m of this.#messages.values()) at = at === null ? m.visibleAt : Math.min(at, m.visibleAt);
    return at;
  }

  get depth(): number {
    return this.#messages.size;
  }

  visibleCount(): number {
    const now = this.#options.now();
    return [...this.#messages.values()].filter((m) => m.visibleAt <= now).length;
  }

  clear(): void {
    this.#messages.clear();
  }
}

function toRecord(m: Stored, now: number): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: `${m.id}/${m.receives}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receives),
      SentTimestamp: String(m.sentAt),
      SenderId: 'planner',
      ApproximateFirstReceiveTimestamp: String(now),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:polls',
    awsRegion: 'local',
  };
}
