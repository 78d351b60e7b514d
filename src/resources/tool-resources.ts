/**
 * `tool_resources` on assistants, threads and runs. The stored form is what the API shows:
 * `{code_interpreter: {file_ids}, file_search: {vector_store_ids}}`. The create-time helper
 * `file_search.vector_stores` (build a vector store from file ids) is resolved by the hook that the
 * vector store module puts on the AppContext (`ctx.createVectorStoreFromHelper`); without it the helper is refused.
 */
import type { ToolResources } from '../http/schemas.js';
import { invalidParam } from '../http/errors.js';

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
  vectorStoreFactory: VectorStoreFactory | undefined,
  param = 'tool_resources',
): StoredToolResources {
  if (!input) return {};
  const out: StoredToolResources = {};
  if (input.code_interpreter) out.code_interpreter = { file_ids: input.code_interpreter.file_ids ?? [] };
  if (input.file_search) {
    const ids = [...(input.file_search.vector_store_ids ?? [])];
    const helpers = input.file_search.vector_stores ?? [];
    if (helpers.length > 0 && ids.length > 0) {
      throw invalidParam(`${param}.file_search`, 'only one of vector_store_ids or vector_stores may be given.');
    }
    for (const spec of helpers) {
      if (!vectorStoreFactory) throw invalidParam(`${param}.file_search.vector_stores`, 'vector stores are not available.');
      ids.push(vectorStoreFactory(tenant, spec));
    }
    out.file_search = { vector_store_ids: ids };
  }
  return out;
}
