// adapter → the planner's progress through its ticks, in one item (`TICK#planner`): which tick was planned last,
// by whom, how far, and whether it is done. Each step is one conditional UpdateItem, so two invocations of the
// same tick never both plan it, and one that died half-way is finished by the next (from its cursor).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PlannerTicks, TickClaim } from '../../ports.js';
import { isConditionFailure } from './conditions.js';
import { TABLE_SCHEMA } from './table-schema.js';

const key = { [TABLE_SCHEMA.partitionKey]: 'TICK#planner', [TABLE_SCHEMA.sortKey]: 'TICK' };

/** Another invocation took the tick over (ours outlived its claim): this one must stop. */
export class TickLostError extends Error {
  override readonly name = 'TickLostError';
}

export class DynamoPlannerTicks implements PlannerTicks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    tick: string,
    owner: string,
    nowMs: number,
    leaseUntilMs: number,
  ): Promise<TickClaim | 'taken'> {
    const names = {
      '#tick': 'tick',
      '#owner': 'owner',
      '#until': 'leaseUntil',
      '#done': 'done',
      '#cursor': 'cursor',
    };
    const values = { ':tick': tick, ':owner': owner, ':until': leaseUntilMs, ':false': false };
    try {
      // A tick later than the last one planned (ISO times of one format compare as strings): start from the top.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #tick = :tick, #owner = :owner, #until = :until, #done = :false REMOVE #cursor',
          ConditionExpression: 'attribute_not_exists(#tick) OR #tick < :tick',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { resumeAfter: null, previousCompletedAt: completedAt(Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      // The same tick, left unfinished by an invocation whose claim has lapsed: carry on from its cursor.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #owner = :owner, #until = :until',
          ConditionExpression: '#tick = :tick AND #done = :false AND #until < :now',
          ExpressionAttributeNames: {
            '#tick': 'tick',
            '#owner': 'owner',
            '#until': 'leaseUntil',
            '#done': 'done',
          },
          ExpressionAttributeValues: { ...values, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const cursor = Attributes?.cursor;
      return {
        resumeAfter: typeof cursor === 'string' ? cursor : null,
        previousCompletedAt: completedAt(Attributes),
      };
    } catch (error) {
      if (isConditionFailure(error)) return 'taken';
      throw error;
    }
  }

  progress(tick: string, owner: string, cursor: string): Promise<void> {
    return this.#asHolder(
      tick,
      owner,
      'SET #cursor = :cursor',
      { '#cursor': 'cursor' },
      { ':cursor': cursor },
    );
  }

  complete(tick: string, owner: string): Promise<void> {
    return this.#asHolder(
      tick,
      owner,
      'SET #done = :true, #completed = :tick',
      { '#done': 'done', '#completed': 'completedTick' },
      { ':true': true },
    );
  }

  /** When the last tick planned to the end was scheduled (epoch ms); null before the first. */
  async lastCompletedAt(): Promise<number | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return completedAt(Item);
  }

  async #asHolder(
    tick: string,
    owner: string,
    update: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: '#tick = :tick AND #owner = :owner',
          ExpressionAttributeNames: { ...names, '#tick': 'tick', '#owner': 'owner' },
          ExpressionAttributeValues: { ...values, ':tick': tick, ':owner': owner },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new TickLostError(`tick ${tick} was taken over by another invocation`);
      throw error;
    }
  }
}

/** The scheduled time of the last tick planned to the end, as recorded in the tick item; null before the first. */
function completedAt(item: Record<string, unknown> | undefined): number | null {
  const at = typeof item?.completedTick === 'string' ? Date.parse(item.completedTick) : Number.NaN;
  return Number.isFinite(at) ? at : null;
}
