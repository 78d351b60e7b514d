/**
 * What the in-process create benchmarks (bench/create-sql.ts, bench/wal-autocheckpoint.ts) share:
 * the message a create stores, and the create baseline's database (one table, the mock's pragmas, one
 * prepared INSERT), as bench/http.ts's bare create server has it.
 */
import Database from 'better-sqlite3';
import type { NewMessage } from '../src/store/messages.js';
import { newId } from '../src/util/ids.js';

export const CONTENT = 'Hello, how are you today?';

/** A user message of CONTENT, as the create route stores it. */
export function benchMessage(threadId: string): NewMessage {
  return {
    id: newId('message'),
    tenant: 'bench',
    threadId,
    createdAt: 1,
    role: 'user',
    status: 'completed',
    content: [{ type: 'text', text: { value: CONTENT, annotations: [] } }],
    attachments: [],
    assistantId: null,
    runId: null,
    metadata: {},
    completedAt: 1,
    incompleteAt: null,
    incompleteDetails: null,
  };
}

/** The baseline's database at `path`; `insert()` is its one INSERT. */
export function openBareMessages(path: string, walAutocheckpointPages: number): { insert: () => void; close: () => void } {
  const bare = new Database(path);
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = NORMAL');
  bare.pragma('foreign_keys = ON');
  bare.pragma(`wal_autocheckpoint = ${walAutocheckpointPages}`);
  bare.exec(
    'CREATE TABLE messages (seq INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, created_at INTEGER NOT NULL)',
  );
  const statement = bare.prepare('INSERT INTO messages (thread_id, role, content, created_at) VALUES (?, ?, ?, ?)');
  return { insert: () => void statement.run('thread_abc123', 'user', CONTENT, 1), close: () => bare.close() };
}
