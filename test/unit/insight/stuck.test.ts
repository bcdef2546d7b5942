// The stuck rule: max(5 min floor, usual + 5 min, min(3 × usual, usual + 1 h)), and how long a step has run.
import { describe, expect, it } from 'vitest';
import { runningSecondsOf, STUCK_RULE, stuckAfterSeconds } from '../../../functions/core/insight/stuck.js';
import { aStep } from '../../support/builders.js';

const MIN = 60;

describe('when a step is stuck', () => {
  it.each([
    // usual            stuck after        why
    [null, null, 'no history: never stuck'],
    [0, 5 * MIN, 'the floor (and the margin) hold for an instant step'],
    [3, 5 * MIN + 3, 'a 3-second step: usual + margin, never 9 seconds'],
    [8, 5 * MIN + 8, 'an 8-second step'],
    [2 * MIN, 7 * MIN, 'a 2-minute step: usual + margin beats 3 ×'],
    [4 * MIN, 12 * MIN, 'a 4-minute step: 3 × its usual time'],
    [10 * MIN, 30 * MIN, '3 ×'],
    [30 * MIN, 90 * MIN, '3 × and the cap meet'],
    [2 * 60 * MIN, 3 * 60 * MIN, 'a 2-hour step: capped at usual + 1 h, not 6 h'],
    [-1, null, 'nonsense is no history'],
    [Number.NaN, null, 'nonsense is no history'],
  ])('usual %s s → stuck after %s s (%s)', (usual, after, _why) => {
    expect(stuckAfterSeconds(usual)).toBe(after);
  });

  it('the rule is never below its floor, and always past the usual time', () => {
    for (let usual = 0; usual < 6 * 3600; usual += 37) {
      const after = stuckAfterSeconds(usual) as number;
      expect(after).toBeGreaterThanOrEqual(STUCK_RULE.floorSeconds);
      expect(after).toBeGreaterThan(usual);
    }
  });
});

describe('how long a running step has run', () => {
  const NOW = Date.parse('2026-11-28T10:30:00.000Z');
  it.each([
    [null, null, 0, 'nothing known'],
    [42, null, 42, 'what CodeArts reports'],
    [null, NOW - 90_000, 90, 'since the notifier saw it start'],
    [3, NOW - 1500_000, 1500, 'a counter CodeArts only moves at the end does not hide a long step'],
    [900, NOW - 60_000, 900, 'a live counter wins over a late sighting'],
    [-5, null, 0, 'a negative counter is nothing'],
  ])('elapsed %s, seen since %s → %s s (%s)', (elapsed, since, seconds, _why) => {
    expect(runningSecondsOf(aStep(0, { progress: 'running', elapsed }), since, NOW)).toBe(seconds);
  });
});
