// core/render → messages about the watch itself rather than a run: the task it watches is gone.
import type { SlackMessage } from '../../ports.js';
import { escapeMrkdwn } from './text.js';

export function renderTaskGoneNotice(task: { taskId: string; taskName: string }, code: string): SlackMessage {
  const name = task.taskName || task.taskId;
  const text = `:wastebasket: CodeArts no longer knows the deployment task ${name} (${code}); it is no longer watched here.`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:wastebasket: *${escapeMrkdwn(name)}* (\`${task.taskId}\`) was deleted in CodeArts (\`${escapeMrkdwn(code)}\`).\nThis channel will hear nothing more about it; remove the watch with \`/codearts unwatch ${task.taskId}\`.`,
        },
      },
    ],
  };
}
