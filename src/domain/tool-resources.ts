/**
 * `tool_resources` on assistants, threads and runs. The stored form is what the API shows:
 * `{code_interpreter: {file_ids}, file_search: {vector_store_ids}}`. The create-time helper
 * `file_search.vector_stores` (build a vector store from file ids) is resolved by the hook that the
 * vector store module puts on the AppContext (`ctx.createVectorStoreFromHelper`); without it the helper is refused.
 *
 * Every id named must be an object of the caller's tenant: another tenant's ids and invented ones get
 * the 404 of an unknown object, naming the parameter (security review, item 5; docs/files-and-vector-stores.md).
 */
import type { AppContext } from '../context.js';
import type { ToolResources } from './schemas.js';
import { invalidParam, notFound } from './errors.js';
import type { Db } from '../store/database.js';
import { existingFileIds } from '../store/files.js';
import { findVectorStore } from '../store/vector-stores.js';

export interface StoredToolResources {
  code_interpreter?: { file_ids: string[] };
  file_search?: { vector_store_ids: string[] };
}

/** Creates a vector store from the `vector_stores` helper and returns its id (installed by the vector store module). */
export type VectorStoreFactory = (
  tenant: string,
  spec: { file_ids?: string[]; chunking_strategy?: unknown; metadata?: Record<string, string> },
) => string;

export function normalizeToolResources(
  input: ToolResources | null | undefined,
  tenant: string,
  ctx: Pick<AppContext, 'db' | 'createVectorStoreFromHelper'>,
  param = 'tool_resources',
): StoredToolResources {
  if (!input) return {};
  const vectorStoreFactory = ctx.createVectorStoreFromHelper;
  const out: StoredToolResources = {};
  if (input.code_interpreter) {
    const fileIds = input.code_interpreter.file_ids ?? [];
    requireOwnFiles(ctx.db, tenant, fileIds, `${param}.code_interpreter.file_ids`);
    out.code_interpreter = { file_ids: fileIds };
  }
  if (input.file_search) {
    const ids = [...(input.file_search.vector_store_ids ?? [])];
    const helpers = input.file_search.vector_stores ?? [];
    if (helpers.length > 0 && ids.length > 0) {
      throw invalidParam(`${param}.file_search`, 'only one of vector_store_ids or vector_stores may be given.');
    }
    requireOwnVectorStores(ctx.db, tenant, ids, `${param}.file_search.vector_store_ids`);
    for (const spec of helpers) {
      if (!vectorStoreFactory) throw invalidParam(`${param}.file_search.vector_stores`, 'vector stores are not available.');
      ids.push(vectorStoreFactory(tenant, spec));
    }
    out.file_search = { vector_store_ids: ids };
  }
  return out;
}

/** Each id must be a file of the tenant, or the 404 of an unknown file (`No file found with id '...'.`) names `param`. */
export function requireOwnFiles(db: Db, tenant: string, ids: readonly string[], param: string): void {
  if (ids.length === 0) return;
  const known = existingFileIds(db, tenant, [...ids]);
  const missing = ids.find((id) => !known.has(id));
  if (missing !== undefined) throw notFound('file', missing, param);
}

/** Each id must be a vector store of the tenant, or the 404 of an unknown vector store names `param`. */
export function requireOwnVectorStores(db: Db, tenant: string, ids: readonly string[], param: string): void {
  const missing = ids.find((id) => !findVectorStore(db, tenant, id));
  if (missing !== undefined) throw notFound('vector store', missing, param);
}
