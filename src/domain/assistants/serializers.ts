/** The assistant object as the API shows it, in the v1 or v2 shape; v1's assistant files too. */
import { Type } from '@sinclair/typebox';
import type { AttachedFileRow } from '../../store/attached-files.js';
import type { AssistantRow } from '../../store/schema.js';
import type { ApiVersion } from '../api-version.js';
import { serializeTools } from '../tools.js';

export function serializeAssistant(row: AssistantRow, version: ApiVersion, fileIds: string[] = []) {
  const common = {
    id: row.id,
    object: 'assistant' as const,
    created_at: row.createdAt,
    name: row.name,
    description: row.description,
    model: row.model,
    instructions: row.instructions,
    tools: serializeTools(row.tools, version),
  };
  // Object.assign, not a spread: see serializeRun (src/domain/runs/serializers.ts).
  if (version === 'v1') return Object.assign(common, { file_ids: fileIds, metadata: row.metadata });
  return Object.assign(common, {
    tool_resources: row.toolResources ?? {},
    metadata: row.metadata,
    top_p: row.topP,
    temperature: row.temperature,
    // reasoning_effort is accepted and stored, but not shown: the spec's assistant object (and every SDK's) has no such field.
    response_format: row.responseFormat ?? 'auto',
  });
}

export const AssistantFileObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('assistant.file'),
  created_at: Type.Integer(),
  assistant_id: Type.String(),
});

export function serializeAssistantFile(row: AttachedFileRow) {
  return { id: row.fileId, object: 'assistant.file' as const, created_at: row.createdAt, assistant_id: row.ownerId };
}
