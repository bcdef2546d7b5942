// adapter → DynamoDB items beside the task items, for insight: the summaries of a task's finished runs (a ring of
// `RUN#<slot>` items in the task's partition, each expiring through TTL) and the people (`PERSON#<codearts user>`,
// listed through the watch index under `kind = person`, so listing never scans the table).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { RUN_SUMMARIES_KEPT, RUN_SUMMARY_TTL_DAYS } from '../../core/insight/decide-insight.js';
import type { RunSummary } from '../../core/insight/digest.js';
import type { PeopleStore, Person, RunArchive } from '../../ports.js';
import { TABLE_SCHEMA } from './table-schema.js';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_SCHEMA;
const RUN_PREFIX = 'RUN#';
const PERSON_PREFIX = 'PERSON#';
const PERSON_SK = 'PERSON';
const PERSON_KIND = 'person';
const BATCH_GET_LIMIT = 100;
const MAX_BATCH_GET_ROUNDS = 5;

const runKey = (taskId: string, slot: number) => ({
  [PK]: `TASK#${taskId}`,
  [SK]: `${RUN_PREFIX}${String(slot).padStart(4, '0')}`,
});
const personKey = (codeartsUser: string) => ({ [PK]: `${PERSON_PREFIX}${codeartsUser}`, [SK]: PERSON_SK });

export interface DynamoInsightStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** For expiry: summaries past their TTL that DynamoDB has not deleted yet are left out. */
  now: () => number;
}

export class DynamoInsightStore implements RunArchive, PeopleStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: DynamoInsightStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now;
  }

  // ─── Run summaries ─────────────────────────────────────────────────────────────────────────────

  async putRunSummary(taskId: string, slot: number, summary: RunSummary): Promise<void> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= RUN_SUMMARIES_KEPT) {
      throw new RangeError(`run summary slot ${slot} is outside 0..${RUN_SUMMARIES_KEPT - 1}`);
    }
    // Expiry follows the run, not the write, so writing the same summary again gives the same item.
    const at = Date.parse(summary.at);
    const expiresAt =
      Math.floor((Number.isFinite(at) ? at : this.now()) / 1000) + RUN_SUMMARY_TTL_DAYS * 86_400;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...runKey(taskId, slot), ...summary, [TTL]: expiresAt },
      }),
    );
  }

  async listRunSummaries(taskId: string): Promise<RunSummary[]> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const out: RunSummary[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': `TASK#${taskId}`, ':run': RUN_PREFIX },
        // A summary written just before the task item is read back by the next poll that sums things up.
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const expiresAt = item[TTL];
        if (typeof expiresAt === 'number' && expiresAt < nowSeconds) continue;
        const summary = toSummary(item);
        if (summary !== null) out.push(summary);
      }
    }
    return out;
  }

  // ─── People ────────────────────────────────────────────────────────────────────────────────────

  async getPerson(codeartsUser: string): Promise<Person | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: personKey(codeartsUser), ConsistentRead: true }),
    );
    return Item ? toPerson(Item) : null;
  }

  async putPerson(person: Person): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...personKey(person.codeartsUser),
          [TABLE_SCHEMA.watchIndex.partitionKey]: PERSON_KIND,
          ...person,
        },
      }),
    );
  }

  async deletePerson(codeartsUser: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: personKey(codeartsUser), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  async listPeople(): Promise<Person[]> {
    const { name, partitionKey } = TABLE_SCHEMA.watchIndex;
    const users: string[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: name,
        KeyConditionExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': partitionKey },
        ExpressionAttributeValues: { ':kind': PERSON_KIND },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const pk = item[PK];
        if (typeof pk === 'string' && pk.startsWith(PERSON_PREFIX))
          users.push(pk.slice(PERSON_PREFIX.length));
      }
    }
    const people = [...(await this.getPeople(users)).values()];
    return people.sort((a, b) =>
      a.codeartsUser < b.codeartsUser ? -1 : a.codeartsUser > b.codeartsUser ? 1 : 0,
    );
  }

  async slackUsersOf(codeartsUsers: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const wanted = [...new Set(codeartsUsers.filter((user) => user !== ''))];
    // Usually one executor: a GetItem, rather than a batch.
    if (wanted.length === 1) {
      const person = await this.getPerson(wanted[0] as string);
      return new Map(person === null ? [] : [[person.codeartsUser, person.slackUser]]);
    }
    const people = await this.getPeople(wanted);
    return new Map([...people.values()].map((p) => [p.codeartsUser, p.slackUser]));
  }

  private async getPeople(codeartsUsers: readonly string[]): Promise<Map<string, Person>> {
    const found = new Map<string, Person>();
    for (let i = 0; i < codeartsUsers.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = codeartsUsers.slice(i, i + BATCH_GET_LIMIT).map(personKey);
      for (let round = 0; keys.length > 0; round++) {
        if (round >= MAX_BATCH_GET_ROUNDS) throw new Error('DynamoDB kept some people unprocessed');
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const person = toPerson(item);
          if (person !== null) found.set(person.codeartsUser, person);
        }
        keys = (UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }
}

function toSummary(item: Record<string, unknown>): RunSummary | null {
  if (typeof item.recordId !== 'string' || typeof item.status !== 'string' || typeof item.at !== 'string') {
    return null;
  }
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const step = item.slowestStep as { name?: unknown; seconds?: unknown } | null | undefined;
  return {
    recordId: item.recordId,
    status: item.status as RunSummary['status'],
    startedAt: text(item.startedAt),
    endedAt: text(item.endedAt),
    at: item.at,
    durationSeconds: typeof item.durationSeconds === 'number' ? item.durationSeconds : null,
    executor: text(item.executor) ?? '',
    slowestStep:
      step && typeof step.name === 'string' && typeof step.seconds === 'number'
        ? { name: step.name, seconds: step.seconds }
        : null,
  };
}

function toPerson(item: Record<string, unknown>): Person | null {
  const { codeartsUser, slackUser, updatedAt, updatedBy } = item;
  if (typeof codeartsUser !== 'string' || typeof slackUser !== 'string') return null;
  return {
    codeartsUser,
    slackUser,
    updatedAt: typeof updatedAt === 'string' ? updatedAt : '',
    updatedBy: typeof updatedBy === 'string' ? updatedBy : '',
  };
}
