// handlers → the planner Lambda's middy pipeline: a scheduled tick in, a plan report out. Everything arrives by
// injection (functions/handlers/planner.ts wires the real adapters; the local run and the tests wire theirs).
import { randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type PlannerDeps,
  type PlannerSettings,
  type PlanReport,
  planTick,
} from '../app/planner/plan-tick.js';
import { tickOf } from '../core/planning.js';

export interface PlannerRuntime {
  deps: PlannerDeps;
  settings: PlannerSettings;
}

export interface PlannerEvent {
  /** `<aws.scheduler.scheduled-time>`: the tick's ID, so a duplicate invocation of it is recognised. */
  scheduledTime?: string;
}

export type PlannerHandler = (event: PlannerEvent, context: Context) => Promise<PlanReport>;

export function createPlannerHandler(
  runtime: () => Promise<PlannerRuntime> | PlannerRuntime,
  middlewares: MiddlewareObj[] = [],
): PlannerHandler {
  const pipeline = middy<PlannerEvent, PlanReport>();
  for (const middleware of middlewares) pipeline.use(middleware);
  return pipeline.handler(async (event, context) => {
    const { deps, settings } = await runtime();
    const now = deps.now();
    const tick = tickOf(event?.scheduledTime, now, settings.intervalSeconds);
    return planTick(deps, settings, {
      ...tick,
      owner: context.awsRequestId || randomUUID(),
      deadlineMs: now + context.getRemainingTimeInMillis(),
    });
  }) as unknown as PlannerHandler;
}
