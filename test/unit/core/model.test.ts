import { describe, expect, it } from 'vitest';
import { eventKey, isTerminal } from '../../../functions/core/model.js';

describe('model', () => {
  it('keys events by run, type and step', () => {
    expect(eventKey({ type: 'run.started', recordId: 'r1' })).toBe('r1/run.started');
    expect(eventKey({ type: 'step.failed', recordId: 'r1', step: 2, name: 'x', faqUrl: null })).toBe(
      'r1/step.failed/2',
    );
  });
  it('knows which statuses end a run', () => {
    expect(
      ['succeeded', 'failed', 'timeout', 'abort', 'not_started'].every((s) => isTerminal(s as never)),
    ).toBe(true);
    expect(isTerminal('running')).toBe(false);
    expect(isTerminal('pending')).toBe(false);
    expect(isTerminal('unknown')).toBe(false);
  });
});
