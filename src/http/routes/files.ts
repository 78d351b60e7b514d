/**
 * /files: upload (multipart), list, retrieve, delete, download the content. The bytes are kept in
 * SQLite (see src/store/files.ts) and come back byte for byte.
 */
import { FileObject, serializeFile } from '../../domain/files/serializers.js';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { FileParams } from '../params.js';
import type { TypedApp } from '../typed-app.js';
import {
  ApiError,
  downloadNotAllowed,
  FILE_PURPOSES,
  fileTooLarge,
  invalidMultipart,
  invalidPurpose,
  invalidValue,
  missingParameter,
  notFound,
  numberOutOfRange,
} from '../../domain/errors.js';
import { cancelIndexing } from '../../retrieval/ingest.js';
import { deleteFile, fileContent, findFile, insertFile, listFiles } from '../../store/files.js';
import { listEnvelope } from '../../store/pagination.js';
import type { FileRow } from '../../store/schema.js';
import { newId } from '../../util/ids.js';
import { docs } from './common.js';
import { checkId } from '../../domain/ids.js';
import { ListFilesQuery, UploadForm } from '../../domain/files/schemas.js';

const TAG = 'Files';

/** spec FileExpirationAfter: seconds after `created_at`, one hour to 30 days. */
const EXPIRY_SECONDS = { minimum: 3600, maximum: 2592000 };

export function requireFile(ctx: AppContext, tenant: string, id: string): FileRow {
  const row = findFile(ctx.db, tenant, checkId('file_id', id));
  if (!row) throw notFound('file', id);
  return row;
}

interface Upload {
  file?: { filename: string; data: Buffer };
  fields: Record<string, string>;
}

/** Reads the multipart form: the first `file` part's bytes and the text fields. */
async function readUpload(request: FastifyRequest, limitBytes: number): Promise<Upload> {
  const upload: Upload = { fields: {} };
  if (!request.isMultipart()) return upload;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        upload.fields[part.fieldname] = String(part.value);
        continue;
      }
      // Every file part must be read to the end for the parser to go on; only `file` is kept.
      const data = await part.toBuffer();
      if (part.fieldname === 'file' && !upload.file) upload.file = { filename: part.filename || 'file', data };
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      const declared = Number(request.headers['content-length']);
      throw fileTooLarge(limitBytes, Number.isFinite(declared) && declared > limitBytes ? declared : limitBytes + 1);
    }
    throw invalidMultipart((err as Error).message);
  }
  return upload;
}

/** `expires_after[anchor]` / `expires_after[seconds]` form fields, as the SDKs send nested values. */
function expiresAtOf(fields: Record<string, string>, createdAt: number): number | null {
  const anchor = fields['expires_after[anchor]'];
  const seconds = fields['expires_after[seconds]'];
  if (anchor === undefined && seconds === undefined) return null;
  if (anchor !== 'created_at') throw invalidValue('expires_after.anchor', anchor ?? '', ['created_at']);
  const n = Number(seconds);
  if (seconds === undefined || !Number.isInteger(n)) throw missingParameter('expires_after.seconds');
  if (n < EXPIRY_SECONDS.minimum) throw numberOutOfRange('expires_after.seconds', 'minimum', EXPIRY_SECONDS.minimum, n, true);
  if (n > EXPIRY_SECONDS.maximum) throw numberOutOfRange('expires_after.seconds', 'maximum', EXPIRY_SECONDS.maximum, n, true);
  return createdAt + n;
}

/**
 * Uploads whose bytes the real API never hands back (GET /files/{id}/content answers 400): what a
 * caller gives the assistants, fine-tuning or evals to read. Files the API writes (assistants_output,
 * batch_output, fine-tune-results) and batch and vision uploads stay downloadable. Public sources in
 * docs/compatibility.md ("File downloads").
 */
export const PRIVATE_PURPOSES: ReadonlySet<string> = new Set(['assistants', 'user_data', 'fine-tune', 'evals']);

export async function filesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  // The multipart parser lives in its own scope: only the upload route accepts multipart bodies.
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: ctx.config.uploadLimitBytes } });
    scope.post(
      '/files',
      { schema: { ...docs(TAG, 'Upload a file'), consumes: ['multipart/form-data'], body: UploadForm, response: { 200: FileObject } } },
      async (request) => {
        const { file, fields } = await readUpload(request, ctx.config.uploadLimitBytes);
        if (!file) throw missingParameter('file');
        const purpose = fields.purpose;
        if (purpose === undefined) throw missingParameter('purpose');
        if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) throw invalidPurpose(purpose);
        const createdAt = ctx.clocks.nowSeconds(request.call.tenant);
        const row = insertFile(
          ctx.db,
          {
            id: newId('file'),
            tenant: request.call.tenant,
            createdAt,
            bytes: file.data.length,
            filename: file.filename,
            purpose,
            status: 'processed',
            statusDetails: null,
            expiresAt: expiresAtOf(fields, createdAt),
          },
          file.data,
        );
        return serializeFile(row);
      },
    );
  });

  app.get('/files', { schema: { ...docs(TAG, 'List files'), querystring: ListFilesQuery } }, async (request) => {
    const { query } = request;
    const page = listFiles(ctx.db, request.call.tenant, { ...query, limit: query.limit ?? 10000 });
    return listEnvelope(page.rows.map(serializeFile), page.hasMore);
  });

  app.get(
    '/files/:file_id',
    { schema: { ...docs(TAG, 'Retrieve a file'), params: FileParams, response: { 200: FileObject } } },
    async (request) => {
      const { file_id } = request.params;
      return serializeFile(requireFile(ctx, request.call.tenant, file_id));
    },
  );

  app.get('/files/:file_id/content', { schema: { ...docs(TAG, 'Retrieve file content'), params: FileParams } }, async (request, reply) => {
    const { tenant } = request.call;
    const { file_id } = request.params;
    const file = requireFile(ctx, tenant, file_id);
    if (PRIVATE_PURPOSES.has(file.purpose)) throw downloadNotAllowed(file.purpose);
    const data = fileContent(ctx.db, tenant, file_id) ?? Buffer.alloc(0);
    return reply.type('application/octet-stream').send(data);
  });

  app.delete(
    '/files/:file_id',
    {
      schema: {
        ...docs(TAG, 'Delete a file'),
        params: FileParams,
        response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('file'), deleted: Type.Boolean() }) },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { file_id } = request.params;
      requireFile(ctx, tenant, file_id);
      // Detaches it from every vector store too (rows and chunks), in the same transaction.
      const { detachedFrom } = deleteFile(ctx.db, tenant, file_id);
      for (const storeId of detachedFrom) cancelIndexing(ctx, tenant, storeId, [file_id]);
      return { id: file_id, object: 'file' as const, deleted: true };
    },
  );
}
