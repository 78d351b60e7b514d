/**
 * TypeBox schemas of the vector store endpoints (requests are validated with them; responses are
 * documented with them in the OpenAPI document).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ChunkingStrategyRequest, ListQuery, Metadata, Nullable } from '../schemas.js';

/** spec VectorStoreExpirationAfter. */
export const ExpiresAfter = Type.Object(
  {
    anchor: Type.Literal('last_active_at'),
    days: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);
export type ExpiresAfter = Static<typeof ExpiresAfter>;

/** spec VectorStoreFileAttributes: 16 pairs; values strings (<= 512), numbers or booleans. */
export const Attributes = Type.Unsafe<Record<string, string | number | boolean>>({
  type: 'object',
  maxProperties: 16,
  propertyNames: { maxLength: 64 },
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'number' }, { type: 'boolean' }] },
  description: 'Set of 16 key-value pairs; values are strings (up to 512 characters), numbers or booleans.',
});
export type Attributes = Static<typeof Attributes>;

export const CreateVectorStoreBody = Type.Object(
  {
    file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 500 })),
    name: Type.Optional(Nullable(Type.String())),
    description: Type.Optional(Nullable(Type.String())),
    expires_after: Type.Optional(Nullable(ExpiresAfter)),
    chunking_strategy: Type.Optional(ChunkingStrategyRequest),
    metadata: Type.Optional(Nullable(Metadata)),
  },
  { additionalProperties: false },
);
export type CreateVectorStoreBody = Static<typeof CreateVectorStoreBody>;

export const ModifyVectorStoreBody = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String())),
    expires_after: Type.Optional(Nullable(ExpiresAfter)),
    metadata: Type.Optional(Nullable(Metadata)),
  },
  { additionalProperties: false },
);
export type ModifyVectorStoreBody = Static<typeof ModifyVectorStoreBody>;

export const CreateVectorStoreFileBody = Type.Object(
  {
    file_id: Type.String(),
    chunking_strategy: Type.Optional(ChunkingStrategyRequest),
    attributes: Type.Optional(Nullable(Attributes)),
  },
  { additionalProperties: false },
);
export type CreateVectorStoreFileBody = Static<typeof CreateVectorStoreFileBody>;

export const UpdateVectorStoreFileBody = Type.Object({ attributes: Nullable(Attributes) }, { additionalProperties: false });
export type UpdateVectorStoreFileBody = Static<typeof UpdateVectorStoreFileBody>;

export const CreateFileBatchBody = Type.Object(
  {
    file_ids: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 2000 })),
    files: Type.Optional(Type.Array(CreateVectorStoreFileBody, { minItems: 1, maxItems: 2000 })),
    chunking_strategy: Type.Optional(ChunkingStrategyRequest),
    attributes: Type.Optional(Nullable(Attributes)),
  },
  { additionalProperties: false },
);
export type CreateFileBatchBody = Static<typeof CreateFileBatchBody>;

const FILE_STATUSES = ['in_progress', 'completed', 'failed', 'cancelled'] as const;
/** A plain enum (not a union of literals) so that a bad value's error lists every allowed one. */
const FileStatusFilter = Type.Unsafe<(typeof FILE_STATUSES)[number]>({ type: 'string', enum: [...FILE_STATUSES] });

export const ListVectorStoreFilesQuery = Type.Composite([ListQuery, Type.Object({ filter: Type.Optional(FileStatusFilter) })], {
  additionalProperties: true,
});
export type ListVectorStoreFilesQuery = Static<typeof ListVectorStoreFilesQuery>;

/** spec ComparisonFilter / CompoundFilter (attribute filters of the search endpoint). */
export const ComparisonFilter = Type.Object(
  {
    type: Type.Unsafe<string>({ type: 'string', enum: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] }),
    key: Type.String(),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.Union([Type.String(), Type.Number()]))]),
  },
  { additionalProperties: false },
);
/**
 * Compound filters nest; the schema checks two levels and the evaluator (filters.ts) the rest.
 * (A recursive TypeBox schema carries an `$id`, which Ajv refuses to compile twice, and every route
 * is registered twice: /v1 and /openai.)
 */
const NestedCompound = Type.Object(
  { type: Type.Union([Type.Literal('and'), Type.Literal('or')]), filters: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);
export const CompoundFilter = Type.Object(
  {
    type: Type.Union([Type.Literal('and'), Type.Literal('or')]),
    filters: Type.Array(Type.Union([ComparisonFilter, NestedCompound])),
  },
  { additionalProperties: false },
);
export const AttributeFilter = Type.Union([ComparisonFilter, CompoundFilter]);
export type AttributeFilter = Static<typeof AttributeFilter>;

export const SearchBody = Type.Object(
  {
    query: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })]),
    rewrite_query: Type.Optional(Type.Boolean()),
    max_num_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    filters: Type.Optional(AttributeFilter),
    ranking_options: Type.Optional(
      Type.Object(
        {
          ranker: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('auto'), Type.Literal('default-2024-11-15')])),
          score_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SearchBody = Static<typeof SearchBody>;

// ---- responses (documentation) ----------------------------------------------------------------------

export const FileCountsSchema = Type.Object({
  in_progress: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
  cancelled: Type.Integer(),
  total: Type.Integer(),
});

export const VectorStoreObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('vector_store'),
  created_at: Type.Integer(),
  name: Nullable(Type.String()),
  usage_bytes: Type.Integer(),
  file_counts: FileCountsSchema,
  status: Type.Union([Type.Literal('expired'), Type.Literal('in_progress'), Type.Literal('completed')]),
  last_active_at: Nullable(Type.Integer()),
  metadata: Type.Record(Type.String(), Type.String()),
  expires_after: Nullable(ExpiresAfter),
  expires_at: Nullable(Type.Integer()),
});

const StaticChunkingResponse = Type.Object({
  type: Type.Literal('static'),
  static: Type.Object({ max_chunk_size_tokens: Type.Integer(), chunk_overlap_tokens: Type.Integer() }),
});

export const VectorStoreFileObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('vector_store.file'),
  usage_bytes: Type.Integer(),
  created_at: Type.Integer(),
  vector_store_id: Type.String(),
  status: FileStatusFilter,
  last_error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  chunking_strategy: StaticChunkingResponse,
  attributes: Nullable(Attributes),
});

export const FileBatchObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('vector_store.files_batch'),
  created_at: Type.Integer(),
  vector_store_id: Type.String(),
  status: FileStatusFilter,
  file_counts: FileCountsSchema,
});

export const SearchResultsPage = Type.Object({
  object: Type.Literal('vector_store.search_results.page'),
  search_query: Type.Array(Type.String()),
  data: Type.Array(
    Type.Object({
      file_id: Type.String(),
      filename: Type.String(),
      score: Type.Number(),
      attributes: Nullable(Attributes),
      content: Type.Array(Type.Object({ type: Type.Literal('text'), text: Type.String() })),
    }),
  ),
  has_more: Type.Boolean(),
  next_page: Nullable(Type.String()),
});

export const FileContentPage = Type.Object({
  object: Type.Literal('vector_store.file_content.page'),
  data: Type.Array(Type.Object({ type: Type.Literal('text'), text: Type.String() })),
  has_more: Type.Boolean(),
  next_page: Nullable(Type.String()),
});

/** Response schemas by status, for route options. */
export const ok = (schema: TSchema) => ({ 200: schema });
