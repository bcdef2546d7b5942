// local/codearts-simulator → CodeArts IDs: 32 lower-case hex characters. Task, record, application
// and project IDs come from separate spaces; one registry keeps them from ever colliding, so an ID
// used in the wrong place is always "not found" instead of accidentally matching.
import { randomBytes } from 'node:crypto';

export type IdSpace = 'task' | 'record' | 'app' | 'project' | 'iam-project' | 'user' | 'domain';

export const ID_PATTERN = /^[0-9a-f]{32}$/;

export class IdRegistry {
  readonly #owner = new Map<string, IdSpace>();

  /** A fresh random ID in `space`. */
  next(space: IdSpace): string {
    for (;;) {
      const id = randomBytes(16).toString('hex');
      if (!this.#owner.has(id)) {
        this.#owner.set(id, space);
        return id;
      }
    }
  }

  /** Claims a caller-chosen ID; throws if it is malformed or already used in any space. */
  claim(space: IdSpace, id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`${space} ID must be 32 lower-case hex characters: ${id}`);
    const owner = this.#owner.get(id);
    if (owner !== undefined) throw new Error(`ID ${id} is already used (${owner})`);
    this.#owner.set(id, space);
    return id;
  }
}
