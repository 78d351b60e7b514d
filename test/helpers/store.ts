/**
 * Store-level test helpers: a database in a temporary folder, and a caller's message row to insert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../../src/store/database.js';
import type { NewMessage } from '../../src/store/messages.js';
import { insertThread } from '../../src/store/threads.js';

export interface TempDatabase {
  dir: string;
  path: string;
  db: Db;
  /** Closes the database (if still open) and removes the folder. */
  remove(): void;
}

/** A new database file in its own temporary folder, with the threads given already in it. */
export function tempDatabase(prefix: string, threads: { id: string; tenant: string }[] = []): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'test.db');
  const temp: TempDatabase = {
    dir,
    path,
    db: openDatabase(path),
    remove() {
      closeDatabase(temp.db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const thread of threads) insertThread(temp.db, { ...thread, createdAt: 1, toolResources: null, metadata: {} });
  return temp;
}

/** A completed user message whose text is its id, as a caller's create stores it. */
export function userMessage(id: string, threadId: string, tenant: string): NewMessage {
  return {
    id,
    tenant,
    threadId,
    createdAt: 1_700_000_000,
    role: 'user',
    status: 'completed',
    content: [{ type: 'text', text: { value: id, annotations: [] } }],
    attachments: [],
    assistantId: null,
    runId: null,
    metadata: {},
    completedAt: 1_700_000_000,
    incompleteAt: null,
    incompleteDetails: null,
  };
}
