// local/terminal-slack → public entry: the terminal Slack sink and the pieces it is drawn with.
export { BAR, renderMessageLines } from './blocks.js';
export { SlackDates } from './dates.js';
export { type MrkdwnContext, mrkdwnToText } from './mrkdwn.js';
export { Screen, type ScreenOptions, type TerminalOut } from './screen.js';
export { colorCode, createStyle, type Style, wantsColor } from './style.js';
export { type TerminalMessage, TerminalSlack, type TerminalSlackOptions } from './terminal-slack.js';
export { stripAnsi, visibleWidth, wrapLine } from './width.js';
