/** Request bodies of /assistants (and v1's /assistants/{id}/files). */
import { Metadata, Nullable, ReasoningEffort, ResponseFormat, Tool, ToolResources } from '../schemas.js';
import { Static, Type } from '@sinclair/typebox';

export const AssistantFields = {
  // Any model name is accepted (tests use new names), but not an empty one: the real API refuses it.
  model: Type.String({ minLength: 1 }),
  name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 512 }))),
  instructions: Type.Optional(Nullable(Type.String({ maxLength: 256000 }))),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
  tool_resources: Type.Optional(Nullable(ToolResources)),
  metadata: Type.Optional(Nullable(Metadata)),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  response_format: Type.Optional(Nullable(ResponseFormat)),
  reasoning_effort: Type.Optional(ReasoningEffort),
  /** v1 only. */
  file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
};

export const CreateAssistantBody = Type.Object(AssistantFields, { additionalProperties: false });
export const ModifyAssistantBody = Type.Object(
  { ...AssistantFields, model: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
export type CreateAssistantBody = Static<typeof CreateAssistantBody>;
export type ModifyAssistantBody = Static<typeof ModifyAssistantBody>;

export const CreateAssistantFileBody = Type.Object({ file_id: Type.String() }, { additionalProperties: false });
