// app → what the renderers need to offer a watch's operators their buttons (core/render/action-buttons.ts).
import { operatorsOf } from '../../core/actions.js';
import type { Subscription, TaskRecord } from '../../core/model.js';
import type { ActionContext } from '../../core/render/action-buttons.js';

export const actionContextFor = (record: TaskRecord, subscription: Subscription): ActionContext => ({
  taskId: record.taskId,
  enabled: operatorsOf(subscription).length > 0,
  lastSucceeded: record.lastSucceeded?.recordId ?? null,
});
