/**
 * Tool executors: each tool type turns a call the brain made into the call the step stores and shows.
 * function: recorded with `output: null`, carried out by the client (requires_action); code_interpreter:
 * as scripted (nothing is executed); file_search: carried out by the server now (./file-search.ts).
 */
import type { ScriptedToolCall } from '../../brains/types.js';
import type { AppServices } from '../../context.js';
import type { RunRow } from '../../store/schema.js';
import { newId } from '../../util/ids.js';
import type { StoredCall } from '../turn-plan.js';
import { runFileSearch } from './file-search.js';

type CallOf<T extends ScriptedToolCall['type']> = Extract<ScriptedToolCall, { type: T }>;

export interface ToolExecutor<T extends ScriptedToolCall['type']> {
  prepare(ctx: AppServices, run: RunRow, id: string, call: CallOf<T>): StoredCall;
}

export const functionExecutor: ToolExecutor<'function'> = {
  prepare: (_ctx, _run, id, call) => ({
    id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
    stored: { id, type: 'function', function: { name: call.name, arguments: call.arguments, output: null } },
  }),
};

export const codeInterpreterExecutor: ToolExecutor<'code_interpreter'> = {
  prepare: (_ctx, _run, id, call) => {
    const code = { input: call.input, outputs: call.outputs };
    return { id, type: 'code_interpreter', code_interpreter: code, stored: { id, type: 'code_interpreter', code_interpreter: code } };
  },
};

export const fileSearchExecutor: ToolExecutor<'file_search'> = {
  prepare: (ctx, run, id, call) => runFileSearch(ctx, run, id, call.query),
};

/** Gives a call its id and its stored form; server-side tools get their results now. */
export function prepareCall(ctx: AppServices, run: RunRow, call: ScriptedToolCall, id = newId('toolCall')): StoredCall {
  switch (call.type) {
    case 'function':
      return functionExecutor.prepare(ctx, run, id, call);
    case 'code_interpreter':
      return codeInterpreterExecutor.prepare(ctx, run, id, call);
    case 'file_search':
      return fileSearchExecutor.prepare(ctx, run, id, call);
  }
}
