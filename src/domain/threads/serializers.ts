/** The thread object as the API shows it, in the v1 or v2 shape. */
import type { ThreadRow } from '../../store/schema.js';
import type { ApiVersion } from '../api-version.js';

export function serializeThread(row: ThreadRow, version: ApiVersion) {
  if (version === 'v1') return { id: row.id, object: 'thread' as const, created_at: row.createdAt, metadata: row.metadata };
  return {
    id: row.id,
    object: 'thread' as const,
    created_at: row.createdAt,
    metadata: row.metadata,
    tool_resources: row.toolResources ?? {},
  };
}
