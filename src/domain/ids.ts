/** Path ids: each kind of object has its own prefix, checked before the object is looked up. */
import { badIdPrefix } from './errors.js';

/** The word each id must begin with (ERRORS.md: "Expected an ID that begins with 'thread'."). */
const ID_WORD = {
  assistant_id: 'asst',
  thread_id: 'thread',
  message_id: 'msg',
  run_id: 'run',
  step_id: 'step',
  file_id: 'file',
  vector_store_id: 'vs',
  batch_id: 'vsfb_',
} as const;

export type IdParam = keyof typeof ID_WORD;

/** A path id of the wrong kind gets the 2025 400; a well-formed unknown id gets the 404 later. */
export function checkId(param: IdParam, value: string): string {
  const word = ID_WORD[param];
  if (!value.startsWith(word)) throw badIdPrefix(param, value, word);
  return value;
}
