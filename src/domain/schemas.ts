/**
 * TypeBox schemas shared by several resources. They validate requests (src/http/validation.ts) and
 * describe them in the OpenAPI document (@fastify/swagger), so the two cannot disagree.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Up to 16 string pairs; keys at most 64 characters, values at most 512 (spec `Metadata`). */
export const Metadata = Type.Unsafe<Record<string, string>>({
  type: 'object',
  maxProperties: 16,
  propertyNames: { maxLength: 64 },
  additionalProperties: { type: 'string', maxLength: 512 },
  description: 'Set of 16 key-value pairs; keys up to 64 characters, values up to 512.',
});

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const FunctionTool = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        strict: Type.Optional(Nullable(Type.Boolean())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const RankingOptions = Type.Object(
  {
    ranker: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('default_2024_08_21')])),
    score_threshold: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export const FileSearchTool = Type.Object(
  {
    type: Type.Literal('file_search'),
    file_search: Type.Optional(
      Type.Object(
        {
          max_num_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
          ranking_options: Type.Optional(RankingOptions),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CodeInterpreterTool = Type.Object({ type: Type.Literal('code_interpreter') }, { additionalProperties: false });

/** v1 only; accepted on the v1 surface and stored as file_search. */
export const RetrievalTool = Type.Object({ type: Type.Literal('retrieval') }, { additionalProperties: false });

export const Tool = Type.Union([CodeInterpreterTool, FileSearchTool, FunctionTool, RetrievalTool]);
export type Tool = Static<typeof Tool>;

const ChunkingStrategyRequest = Type.Union([
  Type.Object({ type: Type.Literal('auto') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('static'),
      static: Type.Object(
        {
          max_chunk_size_tokens: Type.Integer({ minimum: 100, maximum: 4096 }),
          chunk_overlap_tokens: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);
export { ChunkingStrategyRequest };

/** tool_resources on assistants, threads and runs (with vector_stores helper on create). */
export const ToolResources = Type.Object(
  {
    code_interpreter: Type.Optional(
      Type.Object({ file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })) }, { additionalProperties: false }),
    ),
    file_search: Type.Optional(
      Type.Object(
        {
          vector_store_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 1 })),
          vector_stores: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 10000 })),
                  chunking_strategy: Type.Optional(ChunkingStrategyRequest),
                  metadata: Type.Optional(Metadata),
                },
                { additionalProperties: false },
              ),
              { maxItems: 1 },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ToolResources = Static<typeof ToolResources>;

export const ResponseFormat = Type.Union([
  Type.Literal('auto'),
  Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('json_schema'),
      json_schema: Type.Object(
        {
          name: Type.String({ maxLength: 64 }),
          description: Type.Optional(Type.String()),
          schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

/** Spec `ReasoningEffort`, in its order (test/request-enums.test.ts checks it against the spec). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export const ReasoningEffort = Nullable(Type.Union(REASONING_EFFORTS.map((effort) => Type.Literal(effort))));

/** limit / order / after / before, as every Assistants list takes them. */
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    after: Type.Optional(Type.String()),
    before: Type.Optional(Type.String()),
    'api-version': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type ListQuery = Static<typeof ListQuery>;

export const DeletedObject = (object: string) => Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Boolean() });

/** Response schemas are documentation: bodies are serialized as built (see src/server.ts). */
export const ListOf = (item: TSchema) =>
  Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    first_id: Nullable(Type.String()),
    last_id: Nullable(Type.String()),
    has_more: Type.Boolean(),
  });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Nullable(Type.String()),
    code: Nullable(Type.String()),
  }),
});
