/**
 * The thread's messages as a model reads them: user messages with their text and images (an uploaded
 * image file goes as a data URL, since the backend cannot reach this server's files), assistant
 * messages with their text.
 */
import { extname } from 'node:path';
import type { MessageRow } from '../../store/schema.js';
import type { ChatContentPart, ChatMessage } from './chat-types.js';

/** An uploaded file's bytes and name; undefined when it does not exist (any more). */
export type ReadFile = (tenant: string, fileId: string) => { data: Buffer; filename: string } | undefined;

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

type StoredPart =
  | { type: 'text'; text: { value: string } }
  | { type: 'image_file'; image_file: { file_id: string; detail?: string } }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: string };

export function threadMessages(messages: MessageRow[], tenant: string, readFile: ReadFile): ChatMessage[] {
  return messages.map((message): ChatMessage => {
    if (message.role === 'assistant') return { role: 'assistant', content: assistantText(message) };
    const parts = (message.content as StoredPart[]).map((part) => chatPart(part, tenant, readFile)).filter((p) => p !== undefined);
    // Text alone goes as a string: some local servers take content arrays only for vision models.
    const textOnly = parts.every((p) => p.type === 'text');
    return { role: 'user', content: textOnly ? parts.map((p) => (p as { text: string }).text).join('\n') : parts };
  });
}

/** An assistant message's text parts, joined (the model wrote no images). */
export function assistantText(message: MessageRow): string {
  return (message.content as StoredPart[]).map((part) => (part.type === 'text' && 'text' in part ? part.text.value : '')).join('\n');
}

function chatPart(part: StoredPart, tenant: string, readFile: ReadFile): ChatContentPart | undefined {
  if (part.type === 'text' && 'text' in part) return { type: 'text', text: part.text.value };
  if (part.type === 'image_url' && 'image_url' in part) return { type: 'image_url', image_url: { ...part.image_url } };
  if (part.type === 'image_file' && 'image_file' in part) {
    const file = readFile(tenant, part.image_file.file_id);
    // A deleted file: say so in words rather than drop the turn.
    if (!file) return { type: 'text', text: `[image ${part.image_file.file_id} is no longer available]` };
    const mime = IMAGE_TYPES[extname(file.filename).toLowerCase()] ?? 'application/octet-stream';
    const url = `data:${mime};base64,${file.data.toString('base64')}`;
    return { type: 'image_url', image_url: { url, ...(part.image_file.detail ? { detail: part.image_file.detail } : {}) } };
  }
  return undefined;
}
