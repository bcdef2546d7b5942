// app → the slash command's grammar: `/codearts watch <task_id> [all|failures|status]`, `unwatch <task_id>`,
// `list`, `status <task_id>`, `help`. Pure: text in, a command (or what is wrong with it) out.
import type { NotifyLevel } from '../../core/model.js';
import { NOTIFY_LEVELS, parseTaskId } from '../registration/schema.js';
import { safeText } from './render.js';

export type SlashCommand =
  | { kind: 'watch'; taskId: string; notify: NotifyLevel | undefined }
  | { kind: 'unwatch'; taskId: string }
  | { kind: 'status'; taskId: string }
  /** The digest's figures now, for one task or every task watched here. */
  | { kind: 'report'; taskId: string | undefined }
  | { kind: 'list' }
  | { kind: 'help' }
  /** Not a command we understand; `problem` says why, in a sentence for the user. */
  | { kind: 'usage'; problem: string };

const SUB_COMMANDS = ['watch', 'unwatch', 'list', 'status', 'report', 'help'] as const;

/** People paste IDs from consoles and chat with quotes or backticks around them. */
const unwrap = (token: string): string => token.replace(/^[`'"“‘]+|[`'"”’]+$/g, '');

/** User text echoed back inside code spans: shortened, without backticks that would end the span. */
const shown = (token: string): string => {
  return safeText(token.replaceAll('`', "'"), 40);
};

const taskIdArgument = (
  name: string,
  args: string[],
  extra: string,
): { taskId: string } | { problem: string } => {
  const raw = args[0];
  if (raw === undefined) return { problem: `\`${name}\` needs a task ID: \`${name} <task_id>${extra}\`.` };
  const taskId = parseTaskId(unwrap(raw));
  if (taskId === null) {
    return {
      problem: `\`${shown(raw)}\` is not a CodeArts task ID (32 hexadecimal characters, as in the task's URL).`,
    };
  }
  return { taskId };
};

export const parseSlashCommand = (text: string): SlashCommand => {
  const [first, ...args] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined) return { kind: 'help' };
  const name = first.toLowerCase();
  switch (name) {
    case 'help':
      return { kind: 'help' };
    case 'list':
      return args.length === 0 ? { kind: 'list' } : { kind: 'usage', problem: '`list` takes no arguments.' };
    case 'watch': {
      const parsed = taskIdArgument(name, args, ' [all|failures|status]');
      if ('problem' in parsed) return { kind: 'usage', problem: parsed.problem };
      if (args.length > 2)
        return { kind: 'usage', problem: '`watch` takes a task ID and, optionally, a level.' };
      const level = args[1]?.toLowerCase();
      if (level !== undefined && !(NOTIFY_LEVELS as readonly string[]).includes(level)) {
        return {
          kind: 'usage',
          problem: `\`${shown(args[1] ?? '')}\` is not a level; use one of ${NOTIFY_LEVELS.map((l) => `\`${l}\``).join(', ')}.`,
        };
      }
      return { kind: 'watch', taskId: parsed.taskId, notify: level as NotifyLevel | undefined };
    }
    case 'report': {
      if (args.length === 0) return { kind: 'report', taskId: undefined };
      if (args.length > 1) return { kind: 'usage', problem: '`report` takes at most a task ID.' };
      const parsed = taskIdArgument(name, args, '');
      if ('problem' in parsed) return { kind: 'usage', problem: parsed.problem };
      return { kind: 'report', taskId: parsed.taskId };
    }
    case 'unwatch':
    case 'status': {
      const parsed = taskIdArgument(name, args, '');
      if ('problem' in parsed) return { kind: 'usage', problem: parsed.problem };
      if (args.length > 1) return { kind: 'usage', problem: `\`${name}\` takes only a task ID.` };
      return { kind: name, taskId: parsed.taskId };
    }
    default:
      return {
        kind: 'usage',
        problem: `I don't know \`${shown(first)}\`; the commands are ${SUB_COMMANDS.map((c) => `\`${c}\``).join(', ')}.`,
      };
  }
};
