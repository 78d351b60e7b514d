/** Queries and the upload form of /files. */
import { FILE_PURPOSES } from '../errors.js';
import { Static, Type } from '@sinclair/typebox';

/** spec listFiles: limit 1..10,000 (default 10,000), order, after, purpose; no `before`. */
export const ListFilesQuery = Type.Object(
  {
    purpose: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 10000 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    after: Type.Optional(Type.String()),
    'api-version': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type ListFilesQuery = Static<typeof ListFilesQuery>;

/**
 * The upload form, for the OpenAPI document. Nothing is required here: the multipart parser leaves
 * the body empty and the handler checks the parts itself (with the real error texts).
 */
export const UploadForm = Type.Object(
  {
    file: Type.Optional(Type.String({ format: 'binary', description: 'The file to upload.' })),
    purpose: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...FILE_PURPOSES] })),
    'expires_after[anchor]': Type.Optional(Type.Literal('created_at')),
    'expires_after[seconds]': Type.Optional(Type.Integer({ minimum: 3600, maximum: 2592000 })),
  },
  { additionalProperties: true },
);
