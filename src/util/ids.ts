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

/**
 * Request ids: `req_` and 32 lowercase hex digits, as the real ones look. They only need to be unique
 * (they are not secrets): 16 random digits drawn once per process, then a 16-digit counter. Every
 * request gets one, and formatting 16 random bytes per request was ~2% of a thread retrieve.
 */
const REQUEST_ID_PREFIX = 'req_' + randomBytes(8).toString('hex');
let requestCount = 0;

export function newRequestId(): string {
  requestCount += 1;
  return REQUEST_ID_PREFIX + requestCount.toString(16).padStart(16, '0');
}

/**
 * Random bytes from a pool refilled 4 KiB at a time: one getrandom call per ~170 object ids instead of
 * one per id. The returned view is only valid until the next call; callers read it at once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function pooledRandomBytes(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, length));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}

function randomAlphanumeric(length: number): string {
  // A byte modulo 62 is very slightly biased; ids need to be unique, not uniform.
  const bytes = pooledRandomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}
