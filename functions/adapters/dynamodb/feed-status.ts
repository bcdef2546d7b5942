// adapter → the change feed's health over the fleet (core/feed.ts) in one small item (`FEED#fleet`): whether the
// feed is on, and the projects whose feed is failing or takes more than one page. The planner reads it once per
// tick and writes it only when it changed; the api reads it for `GET /tasks`.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FeedStatus, ProjectFeedHealth } from '../../core/feed.js';
import type { FeedStatusStore } from '../../ports.js';
import { TABLE_SCHEMA } from './table-schema.js';

const key = { [TABLE_SCHEMA.partitionKey]: 'FEED#fleet', [TABLE_SCHEMA.sortKey]: 'FEED' };

export class DynamoFeedStatus implements FeedStatusStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<FeedStatus> {
    // Eventually consistent: only the planner writes it, a tick apart.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key }));
    const projects: Record<string, ProjectFeedHealth> = {};
    const stored = Item?.projects;
    if (stored !== null && typeof stored === 'object') {
      for (const [project, health] of Object.entries(stored as Record<string, unknown>)) {
        const parsed = projectHealth(health);
        if (parsed !== null) projects[project] = parsed;
      }
    }
    return { enabled: Item?.enabled === true, projects };
  }

  async save(status: FeedStatus): Promise<void> {
    // Only the planner writes (one invocation at a time): the last write is the truth, no condition needed.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key, enabled: status.enabled, projects: status.projects },
      }),
    );
  }
}

/** A stored project entry, field by field; null for one with nothing usable in it. */
function projectHealth(value: unknown): ProjectFeedHealth | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const health: ProjectFeedHealth = {
    ...(typeof v.failingSince === 'string' ? { failingSince: v.failingSince } : {}),
    ...(typeof v.lastError === 'string' ? { lastError: v.lastError } : {}),
    ...(typeof v.failures === 'number' ? { failures: v.failures } : {}),
    ...(typeof v.retryAt === 'number' ? { retryAt: v.retryAt } : {}),
    ...(typeof v.pages === 'number' ? { pages: v.pages } : {}),
  };
  return Object.keys(health).length === 0 ? null : health;
}
