/** Request bodies and queries of /threads/{id}/runs, /threads/runs and the run steps. */
import { CreateThreadBody } from '../threads/schemas.js';
import { ListQuery, Metadata, Nullable, ReasoningEffort, ResponseFormat, Tool, ToolResources } from '../schemas.js';
import { MessageInput } from '../messages/input.js';
import { Static, Type } from '@sinclair/typebox';

export const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object(
    {
      // `retrieval` is v1's name of file_search (checked against the version in normalizeToolChoice).
      type: Type.Union([
        Type.Literal('function'),
        Type.Literal('code_interpreter'),
        Type.Literal('file_search'),
        Type.Literal('retrieval'),
      ]),
      function: Type.Optional(Type.Object({ name: Type.String() }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
]);

export const TruncationStrategy = Type.Object(
  {
    type: Type.Union([Type.Literal('auto'), Type.Literal('last_messages')]),
    last_messages: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);

/** Fields shared by create run and create thread and run. */
export const RunOptions = {
  assistant_id: Type.String(),
  model: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
  instructions: Type.Optional(Nullable(Type.String())),
  tools: Type.Optional(Nullable(Type.Array(Tool, { maxItems: 20 }))),
  metadata: Type.Optional(Nullable(Metadata)),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  stream: Type.Optional(Nullable(Type.Boolean())),
  max_prompt_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 256 }))),
  max_completion_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 256 }))),
  truncation_strategy: Type.Optional(Nullable(TruncationStrategy)),
  tool_choice: Type.Optional(Nullable(ToolChoice)),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(Nullable(ResponseFormat)),
  reasoning_effort: Type.Optional(ReasoningEffort),
  /** v1 only (ignored: files are the assistant's). */
  file_ids: Type.Optional(Type.Array(Type.String())),
};

export const CreateRunBody = Type.Object(
  {
    ...RunOptions,
    additional_instructions: Type.Optional(Nullable(Type.String())),
    additional_messages: Type.Optional(Nullable(Type.Array(MessageInput))),
  },
  { additionalProperties: false },
);
export type CreateRunBody = Static<typeof CreateRunBody>;

export const CreateThreadAndRunBody = Type.Object(
  {
    ...RunOptions,
    thread: Type.Optional(CreateThreadBody),
    tool_resources: Type.Optional(Nullable(ToolResources)),
  },
  { additionalProperties: false },
);
export type CreateThreadAndRunBody = Static<typeof CreateThreadAndRunBody>;

export const SubmitToolOutputsBody = Type.Object(
  {
    tool_outputs: Type.Array(
      Type.Object({ tool_call_id: Type.Optional(Type.String()), output: Type.Optional(Type.String()) }, { additionalProperties: false }),
    ),
    stream: Type.Optional(Nullable(Type.Boolean())),
  },
  { additionalProperties: false },
);
export type SubmitToolOutputsBody = Static<typeof SubmitToolOutputsBody>;

export const ModifyRunBody = Type.Object({ metadata: Type.Optional(Nullable(Metadata)) }, { additionalProperties: false });

export const IncludeQuery = Type.Object(
  {
    'include[]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    include: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    'api-version': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const StepsQuery = Type.Composite(
  [ListQuery, Type.Object({ 'include[]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) })],
  { additionalProperties: true },
);
