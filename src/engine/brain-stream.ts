/**
 * Carrying out a streamed turn (a BrainAnswer of type 'stream', e.g. a model): every event is
 * forwarded as it arrives, the next one is read only once the run's streams can take more
 * (backpressure reaches the brain), and the turn then goes to the finish phase as a scripted one does.
 *
 *   text          -> a message_creation step and a message, one thread.message.delta per event
 *   annotations   -> the new ones in a thread.message.delta with an empty value
 *   tool_call     -> a tool_calls step, one thread.run.step.delta per argument piece; at the end
 *                    function calls -> requires_action; `file_search` -> the server searches the
 *                    run's vector stores with the call's query and the brain takes another turn
 *   usage         -> the turn's usage (counted when none comes)
 *
 * Text before tool calls is a message of its own, completed when the first call arrives: the real
 * service shows a reply with content and tool calls so, message then tool_calls step, one step at a
 * time (openai-node's stream helper refuses a step created while another is still open). Text after a
 * call has started is therefore not shown: the tool_calls step stays open until the run's outputs
 * come (docs/model-backends.md). A turn asked again after a restart whose message was already said
 * holds its text back until it is known whether calls follow (they do: the text is not shown again;
 * they do not: the text is the answer, said at the end). The run-level max_completion_tokens cuts the text (counted per
 * event) and ends the run incomplete. In manual mode this whole phase is one advance. The brain's
 * signal aborted (cancel, expiry, deletion, stop) ends the reading quietly: the run is already ending.
 */
import type { BrainEvent } from '../brains/brain.js';
import { countTokens, truncateToTokens } from '../brains/tokens.js';
import { updateMessage } from '../store/messages.js';
import type { RunRow } from '../store/schema.js';
import { newId } from '../util/ids.js';
import { auditTurnStep } from './audit.js';
import type { EngineCore } from './core.js';
import type { MessageDelta } from './deltas.js';
import { stateOf } from './engine-state.js';
import { failFromBrain } from './endings.js';
import { runFileSearch } from './tools/file-search.js';
import { functionExecutor } from './tools/executors.js';
import { openMessage, openToolStep } from './turn-begin.js';
import { completeTurnMessage } from './turn-message.js';
import { sentContent, type StoredCall, type TurnPlan } from './turn-plan.js';

interface CallInProgress {
  position: number;
  id: string;
  name: string;
  arguments: string;
}

export async function pumpBrainStream(core: EngineCore, run: RunRow, plan: TurnPlan): Promise<void> {
  const signal = core.tasks.ensure(run.id).abort.signal;
  const iterator = plan.events![Symbol.asyncIterator]();
  const calls = new Map<number, CallInProgress>();
  const ended = () => signal.aborted || core.stopped;
  let finished = false;
  try {
    for (;;) {
      if (ended()) return;
      let next: IteratorResult<BrainEvent>;
      try {
        next = await iterator.next();
      } catch (error) {
        finished = true;
        return failFromBrain(core, run.id, error);
      }
      if (ended()) return;
      if (next.done) {
        finished = true;
        break;
      }
      if (!forward(core, run, plan, calls, next.value)) break; // cut by max_completion_tokens
      if (core.ctx.streams.isCongested(run.id)) await new Promise<void>((resume) => core.ctx.streams.whenDrained(run.id, resume));
    }
  } finally {
    // Stopped early (abort, a cut, an engine error): let the brain release what it holds.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
  if (calls.size > 0) plan.calls = completeCalls(core, run, calls);
  else {
    if (plan.heldText) sayHeldText(core, run, plan);
    if (!plan.message) openMessage(core, run, plan); // an empty answer is an empty message
  }
  core.schedule(run, 'finish', 0);
}

/** Forwards one event; false when the text reached max_completion_tokens and the turn stops here. */
function forward(core: EngineCore, run: RunRow, plan: TurnPlan, calls: Map<number, CallInProgress>, event: BrainEvent): boolean {
  switch (event.type) {
    case 'usage':
      plan.usage = event.usage;
      return true;
    case 'text':
      if (calls.size > 0) return true; // after a call: not shown (see above)
      if (!plan.saidBefore) return forwardText(core, run, plan, event.delta);
      plan.heldText = (plan.heldText ?? '') + event.delta; // said again after a restart: held (see above)
      return true;
    case 'annotations':
      if (plan.message) forwardAnnotations(core, run, plan, event.annotations);
      else if (plan.saidBefore && calls.size === 0) plan.heldAnnotations = event.annotations;
      return true;
    case 'tool_call':
      forwardToolCall(core, run, plan, calls, event);
      return true;
  }
}

/**
 * A turn asked again after a restart (its message already said) answered with text alone: that text
 * is the turn's answer after all, and is said now, in one piece (cut as any text is).
 */
function sayHeldText(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  forwardText(core, run, plan, plan.heldText!);
  if (plan.heldAnnotations) forwardAnnotations(core, run, plan, plan.heldAnnotations);
}

function forwardText(core: EngineCore, run: RunRow, plan: TurnPlan, piece: string): boolean {
  if (!plan.message) {
    openMessage(core, run, plan);
    plan.text = '';
    auditTurnStep(core.ctx, run, plan.step!.id);
  }
  let value = piece;
  if (run.maxCompletionTokens !== null) {
    const budget = run.maxCompletionTokens - stateOf(run).usage.completion_tokens - countTokens(plan.text ?? '');
    if (countTokens(value) > budget) {
      value = truncateToTokens(value, Math.max(0, budget));
      plan.truncated = true;
      plan.incompleteReason = 'max_completion_tokens';
    }
  }
  if (value) {
    const first = plan.cursor === 0;
    const text: MessageDelta['content'][number]['text'] = first ? { value, annotations: [] } : { value };
    sendMessageDelta(core, run, plan, { content: [{ index: 0, type: 'text', text }] });
    plan.text += value;
  }
  return !plan.truncated;
}

function forwardAnnotations(core: EngineCore, run: RunRow, plan: TurnPlan, annotations: NonNullable<TurnPlan['annotations']>): void {
  const sent = plan.annotations?.length ?? 0;
  plan.annotations = annotations;
  const fresh = annotations.slice(sent).map((a, i) => ({ index: sent + i, ...a }));
  if (fresh.length > 0)
    sendMessageDelta(core, run, plan, { content: [{ index: 0, type: 'text', text: { value: '', annotations: fresh } }] });
}

function sendMessageDelta(core: EngineCore, run: RunRow, plan: TurnPlan, delta: MessageDelta): void {
  plan.deltas.push({ event: 'thread.message.delta', delta });
  plan.cursor = plan.deltas.length;
  // Stored as it goes: a GET shows what has been streamed so far, and a cancel keeps exactly that.
  updateMessage(core.ctx.db, plan.message!.id, { content: sentContent(plan, plan.cursor) });
  core.publish.delta(run, plan, 'thread.message.delta', delta);
}

function forwardToolCall(
  core: EngineCore,
  run: RunRow,
  plan: TurnPlan,
  calls: Map<number, CallInProgress>,
  event: Extract<BrainEvent, { type: 'tool_call' }>,
): void {
  if (calls.size === 0) {
    if (plan.message) completeTurnMessage(core, run, plan);
    openToolStep(core, run, plan);
    auditTurnStep(core.ctx, run, plan.step!.id);
  }
  let call = calls.get(event.index);
  if (!call) {
    call = { position: calls.size, id: newId('toolCall'), name: event.name ?? '', arguments: '' };
    calls.set(event.index, call);
    const index = call.position;
    const announced =
      call.name === 'file_search'
        ? { index, id: call.id, type: 'file_search', file_search: {} }
        : { index, id: call.id, type: 'function', function: { name: call.name, arguments: '', output: null } };
    sendStepDelta(core, run, plan, announced);
  } else if (!call.name && event.name) {
    call.name = event.name;
  }
  if (!event.arguments) return;
  call.arguments += event.arguments;
  if (call.name !== 'file_search') {
    sendStepDelta(core, run, plan, { index: call.position, type: 'function', function: { arguments: event.arguments } });
  }
}

function sendStepDelta(core: EngineCore, run: RunRow, plan: TurnPlan, call: unknown): void {
  core.publish.delta(run, plan, 'thread.run.step.delta', { step_details: { type: 'tool_calls', tool_calls: [call] } });
}

/** The streamed calls as the step stores them; file_search calls are carried out now. */
function completeCalls(core: EngineCore, run: RunRow, calls: Map<number, CallInProgress>): StoredCall[] {
  return [...calls.values()]
    .sort((a, b) => a.position - b.position)
    .map((call) =>
      call.name === 'file_search'
        ? runFileSearch(core.ctx, run, call.id, searchQuery(call.arguments))
        : functionExecutor.prepare(core.ctx, run, call.id, { type: 'function', name: call.name, arguments: call.arguments }),
    );
}

/** The query of a file_search call ({"query": "..."}); none (the last user message) when unreadable. */
function searchQuery(args: string): string | undefined {
  try {
    const query = (JSON.parse(args) as { query?: unknown }).query;
    return typeof query === 'string' && query.trim() ? query : undefined;
  } catch {
    return undefined;
  }
}
