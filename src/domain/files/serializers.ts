/** The file object as the API shows it. */
import { Type } from '@sinclair/typebox';
import type { FileRow } from '../../store/schema.js';
import { Nullable } from '../schemas.js';

export const FileObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('file'),
  bytes: Type.Integer(),
  created_at: Type.Integer(),
  filename: Type.String(),
  purpose: Type.String(),
  status: Type.String(),
  status_details: Nullable(Type.String()),
  expires_at: Nullable(Type.Integer()),
});

export function serializeFile(row: FileRow) {
  return {
    id: row.id,
    object: 'file' as const,
    bytes: row.bytes,
    created_at: row.createdAt,
    filename: row.filename,
    purpose: row.purpose,
    status: row.status,
    status_details: row.statusDetails,
    expires_at: row.expiresAt,
  };
}
