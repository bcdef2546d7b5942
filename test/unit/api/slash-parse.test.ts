import { describe, expect, it } from 'vitest';
import { parseSlashCommand } from '../../../functions/app/slash-command/parse.js';

const ID = 'e700f15965694253940502911220d76b';

describe('parseSlashCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['list', { kind: 'list' }],
    [`watch ${ID}`, { kind: 'watch', taskId: ID, notify: undefined }],
    [`watch ${ID.toUpperCase()} Failures`, { kind: 'watch', taskId: ID, notify: 'failures' }],
    [`  watch\t\`${ID}\`   status `, { kind: 'watch', taskId: ID, notify: 'status' }],
    [`watch "${ID}" all`, { kind: 'watch', taskId: ID, notify: 'all' }],
    [`unwatch ${ID}`, { kind: 'unwatch', taskId: ID }],
    [`status ${ID}`, { kind: 'status', taskId: ID }],
  ])('reads %j', (text, command) => {
    expect(parseSlashCommand(text)).toEqual(command);
  });

  it.each([
    ['watch', /needs a task ID/],
    ['watch abc', /not a CodeArts task ID/],
    [`watch ${ID} loud`, /not a level/],
    [`watch ${ID} all extra`, /optionally, a level/],
    [`unwatch ${ID} now`, /only a task ID/],
    ['status', /needs a task ID/],
    ['list all', /no arguments/],
    ['deploy now', /don't know `deploy`/],
  ])('explains what is wrong with %j', (text, problem) => {
    const parsed = parseSlashCommand(text);
    expect(parsed.kind).toBe('usage');
    if (parsed.kind === 'usage') expect(parsed.problem).toMatch(problem);
  });

  it('echoes user text safely: shortened, without backticks or Slack control characters', () => {
    const parsed = parseSlashCommand(`<!channel>\`${'x'.repeat(100)}`);
    if (parsed.kind !== 'usage') throw new Error('expected usage');
    expect(parsed.problem).not.toContain('<!channel>');
    expect(parsed.problem).toContain('&lt;!channel&gt;');
    expect(parsed.problem.length).toBeLessThan(200);
  });
});
