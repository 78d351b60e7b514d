import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The prefixes of OpenAI's object ids (LIMITS.md section 1). Files use a hyphen, the rest an underscore. */
export const ID_PREFIX = {
  assistant: 'asst_',
  thread: 'thread_',
  message: 'msg_',
  run: 'run_',
  step: 'step_',
  toolCall: 'call_',
  file: 'file-',
  vectorStore: 'vs_',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** `prefix` plus 24 random letters and digits of both cases, as the real ids look. */
export function newId(kind: IdKind): string {
  return ID_PREFIX[kind] + randomAlphanumeric(24);
}

/** File batches use `vsfb_` and 32 lowercase hex digits. */
export function newFileBatchId(): string {
  return 'vsfb_' + randomBytes(16).toString('hex');
}

/** Request ids: `req_` and 32 lowercase hex digits. */
export function newRequestId(): string {
  return 'req_' + randomBytes(16).toString('hex');
}

function randomAlphanumeric(length: number): string {
  // A byte modulo 62 is very slightly biased; ids need to be unique, not uniform.
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}
