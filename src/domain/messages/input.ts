/**
 * The message a caller writes: the input schema and its normalization, shared by create message,
 * create thread (initial messages) and create run (`additional_messages`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import type { ApiVersion } from '../api-version.js';
import { Metadata, Nullable } from '../schemas.js';
import { addMessageFiles, insertMessage, type NewMessage } from '../../store/messages.js';
import type { MessageRow } from '../../store/schema.js';
import { newId } from '../../util/ids.js';
import { requireOwnFiles } from '../tool-resources.js';

/**
 * The real limit of a message's text: `400 Invalid 'content': string too long. Expected a string with
 * maximum length 256000, ...` (quoted at https://community.openai.com/t/assistants-api-message-content-maximum-length/829483).
 * It also bounds what a run tokenizes and streams per message (docs/reliability.md).
 */
export const MESSAGE_CONTENT_MAX_LENGTH = 256_000;

const ImageDetail = Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]));

/** In the spec's order (MessageContentImageFileObject, ...ImageUrlObject, MessageRequestContentTextObject): error texts list the kinds in it. */
const ContentPart = Type.Union([
  Type.Object(
    {
      type: Type.Literal('image_file'),
      image_file: Type.Object({ file_id: Type.String(), detail: ImageDetail }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('image_url'),
      image_url: Type.Object({ url: Type.String({ format: 'uri' }), detail: ImageDetail }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('text'), text: Type.String({ maxLength: MESSAGE_CONTENT_MAX_LENGTH }) },
    { additionalProperties: false },
  ),
]);

const AttachmentTool = Type.Union([
  Type.Object({ type: Type.Literal('code_interpreter') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('file_search') }, { additionalProperties: false }),
]);

export const MessageInput = Type.Object(
  {
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.Union([Type.String({ maxLength: MESSAGE_CONTENT_MAX_LENGTH }), Type.Array(ContentPart, { minItems: 1 })]),
    attachments: Type.Optional(
      Nullable(
        Type.Array(
          Type.Object({ file_id: Type.String(), tools: Type.Optional(Type.Array(AttachmentTool)) }, { additionalProperties: false }),
        ),
      ),
    ),
    metadata: Type.Optional(Nullable(Metadata)),
    /** v1 only. */
    file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
  },
  { additionalProperties: false },
);
export type MessageInput = Static<typeof MessageInput>;

export interface TextContent {
  type: 'text';
  text: { value: string; annotations: unknown[] };
}

/** A string becomes one text part; `{type:'text', text:'...'}` parts get the stored `{value, annotations}` form. */
export function normalizeContent(content: MessageInput['content']): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: { value: content, annotations: [] } }];
  return content.map((part) => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: { value: part.text, annotations: [] } };
      case 'image_file':
        return { type: 'image_file', image_file: { file_id: part.image_file.file_id, detail: part.image_file.detail ?? 'auto' } };
      default:
        return { type: 'image_url', image_url: { url: part.image_url.url, detail: part.image_url.detail ?? 'auto' } };
    }
  });
}

/**
 * Inserts messages given by a caller (create message, create thread, additional_messages), in
 * order, inside the caller's transaction. Attachments with file_search are handed to the vector
 * store module (it adds them to the thread's vector store, as the real API does).
 */
export function insertInputMessages(
  ctx: AppContext,
  tenant: string,
  threadId: string,
  inputs: MessageInput[],
  version: ApiVersion,
): MessageRow[] {
  const createdAt = ctx.clocks.nowSeconds(tenant);
  // v1 `file_ids` must be files of the tenant (checked before anything is written).
  if (version === 'v1') for (const input of inputs) requireOwnFiles(ctx.db, tenant, input.file_ids ?? [], 'file_ids');
  return inputs.map((input) => {
    const attachments = (input.attachments ?? []).map((a) => ({ file_id: a.file_id, tools: a.tools ?? [] }));
    const row: NewMessage = {
      id: newId('message'),
      tenant,
      threadId,
      createdAt,
      role: input.role,
      status: 'completed',
      content: normalizeContent(input.content),
      attachments,
      assistantId: null,
      runId: null,
      metadata: input.metadata ?? {},
      completedAt: createdAt,
      incompleteAt: null,
      incompleteDetails: null,
    };
    const inserted = insertMessage(ctx.db, row);
    if (version === 'v1' && input.file_ids?.length) addMessageFiles(ctx.db, tenant, inserted.id, input.file_ids, createdAt);
    const searchable = attachments.filter((a) => a.tools.some((t) => t.type === 'file_search')).map((a) => a.file_id);
    if (searchable.length > 0) ctx.attachFilesToThreadSearch?.(tenant, threadId, searchable);
    return inserted;
  });
}
