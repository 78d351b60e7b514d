/**
 * Path parameter schemas, each written once: every route with a `:thread_id` uses the same
 * `thread_id`, and so on. They only say "a string" (Fastify's router gives nothing else); the kind
 * of an id is checked by `checkId` (src/domain/ids.ts), which answers OpenAI's own 400.
 */
import { Type } from '@sinclair/typebox';

const assistant_id = Type.String();
const thread_id = Type.String();
const message_id = Type.String();
const run_id = Type.String();
const step_id = Type.String();
const file_id = Type.String();
const vector_store_id = Type.String();
const batch_id = Type.String();

export const AssistantParams = Type.Object({ assistant_id });
export const AssistantFileParams = Type.Object({ assistant_id, file_id });
export const ThreadParams = Type.Object({ thread_id });
export const MessageParams = Type.Object({ thread_id, message_id });
export const MessageFileParams = Type.Object({ thread_id, message_id, file_id });
export const RunParams = Type.Object({ thread_id, run_id });
export const StepParams = Type.Object({ thread_id, run_id, step_id });
export const FileParams = Type.Object({ file_id });
export const VectorStoreParams = Type.Object({ vector_store_id });
export const VectorStoreFileParams = Type.Object({ vector_store_id, file_id });
export const FileBatchParams = Type.Object({ vector_store_id, batch_id });
/** The control API's runs (/__admin/runs/{run_id}): a run id alone is enough, the tenant owns it. */
export const RunIdParams = Type.Object({ run_id });
