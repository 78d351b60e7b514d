/**
 * The run engine: the only writer of run, run step and assistant-message state.
 *
 * A run advances in small phases, each scheduled on the clock-driven Scheduler (or, in manual mode,
 * held until POST /__admin/runs/{id}/advance):
 *
 *   start  (queued -> in_progress) -> plan (ask the behaviors for this turn's action)
 *   -> begin (create the step, and the message for text) -> stream (deltas) -> finish
 *   finish: text -> completed | incomplete; function calls -> requires_action;
 *           server-side tools (file_search, code_interpreter) -> plan the next turn
 *
 * Every phase re-reads the run, checks the transition against the state machine, commits its writes
 * in one transaction, and only then publishes the events that announce them. On start-up every
 * unfinished run is picked up again from the database.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { DefaultBehavior } from '../brains/defaults.js';
import { countTokens, truncateToTokens } from '../brains/tokens.js';
import type {
  ScriptedToolCall,
  SearchHit,
  TextAnnotation,
  ToolOutputRecord,
  TurnAction,
  TurnDecision,
  TurnInput,
} from '../brains/types.js';
import type { AppContext } from '../context.js';
import {
  cannotCancelRun,
  missingToolOutputs,
  notFound,
  runDoesNotAcceptToolOutputs,
  threadHasActiveRun,
  unknownToolCall,
} from '../http/errors.js';
import { serializeMessage, serializeMessageFor, v1Content } from '../resources/messages.js';
import { serializeThread } from '../resources/threads.js';
import { indexPendingFiles } from '../retrieval/ingest.js';
import { searchVectorStores } from '../retrieval/search.js';
import { serializeRun, serializeRunFor, serializeStep } from '../serializers/run.js';
import { findAssistant } from '../store/assistants.js';
import { allMessages, insertMessage, updateMessage } from '../store/messages.js';
import {
  discardUnfinishedTurn,
  findActiveRun,
  findRunById,
  insertRun,
  insertStep,
  stepsOfRun,
  unfinishedRuns,
  updateRun,
  updateStep,
  type NewRun,
} from '../store/runs.js';
import {
  messages as messagesTable,
  runs,
  runSteps,
  type MessageRow,
  type RunRow,
  type RunStepRow,
  type ThreadRow,
} from '../store/schema.js';
import { findThread } from '../store/threads.js';
import { newId } from '../util/ids.js';
import { auditRunEvent, auditTurn, auditTurnStep } from './audit.js';
import {
  messageDeltaForV1,
  splitJson,
  stepDeltaForV1,
  textDeltas,
  toolCallDeltas,
  type MessageDelta,
  type StepDelta,
  type StreamedCall,
} from './deltas.js';
import { lastUserMessage, promptMessages, promptTokens } from './prompt.js';
import { assertTransition, CANCELLABLE_STATUSES, isActive, isTerminal, type RunStatus } from './state-machine.js';

/** Runs may wait in requires_action (or run at all) this long before they expire (LIMITS.md section 4). */
export const RUN_LIFETIME_SECONDS = 600;

export interface EngineState {
  include: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
  toolOutputs: ToolOutputRecord[];
  searchResults?: SearchHit[];
  /**
   * The usage of the tool_calls step waiting in requires_action. A step's `usage` is null while it is
   * in_progress (spec, RunStepCompletionUsage), so it is kept here until the step is closed.
   */
  stepUsage?: { stepId: string; usage: { prompt_tokens: number; completion_tokens: number } };
}

type Phase = 'start' | 'plan' | 'begin' | 'stream' | 'finish' | 'cancel';

/** A turn being carried out; lives in memory only (a restart re-plans the turn). */
interface TurnPlan {
  action: TurnAction;
  promptTokens: number;
  step?: RunStepRow;
  message?: MessageRow;
  /** text turns: the final text (after a max_completion_tokens cut) and whether it was cut. */
  text?: string;
  annotations?: TextAnnotation[];
  truncated?: boolean;
  calls?: StoredCall[];
  deltas: { event: 'thread.message.delta' | 'thread.run.step.delta'; delta: unknown }[];
  cursor: number;
  paceMs: number;
}

interface StoredCall extends StreamedCall {
  /** The stored (and shown) form of the call. */
  stored: Record<string, unknown>;
  /** file_search: what the search found, for the answer of the next turn. */
  hits?: SearchHit[];
}

interface RunTask {
  runId: string;
  plan?: TurnPlan;
  /** Manual mode: the phase waiting for POST /__admin/runs/{id}/advance. */
  pending?: Phase;
}

export interface CreateRunInput {
  tenant: string;
  thread: ThreadRow;
  row: Omit<NewRun, 'id' | 'tenant' | 'threadId' | 'createdAt' | 'status' | 'expiresAt' | 'turn' | 'engineState'>;
  include: string[];
}

export interface CommittedToolOutputs {
  run: RunRow;
  completedStep: RunStepRow | undefined;
}

export class RunEngine {
  private readonly tasks = new Map<string, RunTask>();
  private readonly defaults: DefaultBehavior;
  private stopped = false;

  constructor(private readonly ctx: AppContext) {
    this.defaults = new DefaultBehavior(ctx.config.defaultReply);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Picks up every unfinished run from the database (a restart loses nothing). */
  async start(): Promise<void> {
    for (const run of unfinishedRuns(this.ctx.db)) {
      this.armExpiry(run);
      switch (run.status) {
        case 'queued':
          this.schedule(run, 'start', 0);
          break;
        case 'in_progress':
          this.ctx.db.transaction(() => discardUnfinishedTurn(this.ctx.db, run.id));
          this.schedule(run, 'plan', 0);
          break;
        case 'cancelling':
          this.schedule(run, 'cancel', 0);
          break;
        // requires_action waits for tool outputs (or expiry).
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.tasks.clear();
  }

  /** Runs the engine holds in memory (for leak checks). */
  get activeTaskCount(): number {
    return this.tasks.size;
  }

  // ---- commands from the API --------------------------------------------------------------------

  /** Inserts the run (status queued) in the caller's transaction; `launch` then announces and schedules it. */
  insertRun(input: CreateRunInput): RunRow {
    const active = findActiveRun(this.ctx.db, input.thread.id);
    if (active) throw threadHasActiveRun(input.thread.id, active.id);
    const createdAt = this.ctx.clocks.nowSeconds(input.tenant);
    const state: EngineState = { include: input.include, usage: { prompt_tokens: 0, completion_tokens: 0 }, toolOutputs: [] };
    return insertRun(this.ctx.db, {
      ...input.row,
      id: newId('run'),
      tenant: input.tenant,
      threadId: input.thread.id,
      createdAt,
      status: 'queued',
      expiresAt: createdAt + RUN_LIFETIME_SECONDS,
      turn: 0,
      engineState: state,
    });
  }

  /** After the run's transaction committed: announce it and schedule its first phase. */
  launch(run: RunRow, createdThread?: ThreadRow): void {
    if (createdThread) this.bus(run, 'thread.created', serializeThread(createdThread, 'v2'), () => serializeThread(createdThread, 'v1'));
    this.publishRun(run, 'thread.run.created');
    this.publishRun(run, 'thread.run.queued');
    this.armExpiry(run);
    this.schedule(run, 'start', 0);
  }

  /** Validates and records tool outputs (run back to queued) in one transaction; nothing is announced yet. */
  commitToolOutputs(tenant: string, run: RunRow, outputs: { tool_call_id: string; output: string }[]): CommittedToolOutputs {
    const { db } = this.ctx;
    return db.transaction(() => {
      const current = findRunById(db, run.id);
      if (!current || current.tenant !== tenant) throw notFound('run', run.id);
      if (current.status !== 'requires_action') throw runDoesNotAcceptToolOutputs(current.status);
      const pending = pendingCalls(current);
      for (const output of outputs) {
        if (!pending.some((c) => c.id === output.tool_call_id)) throw unknownToolCall(output.tool_call_id);
      }
      const got = outputs.map((o) => o.tool_call_id);
      if (pending.some((c) => !got.includes(c.id)))
        throw missingToolOutputs(
          pending.map((c) => c.id),
          got,
        );
      const step = openToolStep(db, current.id);
      const now = this.ctx.clocks.nowSeconds(tenant);
      let completedStep: RunStepRow | undefined;
      if (step) {
        const details = step.stepDetails as { type: 'tool_calls'; tool_calls: { id: string; type: string; function?: object }[] };
        const toolCalls = details.tool_calls.map((call) => {
          const output = outputs.find((o) => o.tool_call_id === call.id);
          return output && call.function ? { ...call, function: { ...call.function, output: output.output } } : call;
        });
        const pendingUsage = stateOf(current).stepUsage;
        completedStep = updateStep(db, step.id, {
          status: 'completed',
          completedAt: now,
          stepDetails: { type: 'tool_calls', tool_calls: toolCalls },
          usage: pendingUsage?.stepId === step.id ? toUsage(pendingUsage.usage) : step.usage,
        });
      }
      const state = stateOf(current);
      const records: ToolOutputRecord[] = outputs.map((o) => {
        const call = pending.find((c) => c.id === o.tool_call_id)!;
        return { tool_call_id: o.tool_call_id, name: call.function.name, arguments: call.function.arguments, output: o.output };
      });
      assertTransition(current.status, 'queued');
      const updated = updateRun(db, current.id, {
        status: 'queued',
        requiredAction: null,
        turn: current.turn + 1,
        engineState: { ...state, toolOutputs: [...state.toolOutputs, ...records], searchResults: undefined, stepUsage: undefined },
      });
      return { run: updated, completedStep };
    });
  }

  /** After commitToolOutputs: announce the completed tool step and the queued run, and resume. */
  announceToolOutputs(committed: CommittedToolOutputs): void {
    if (committed.completedStep) this.publishStep(committed.run, 'thread.run.step.completed', committed.completedStep);
    this.publishRun(committed.run, 'thread.run.queued');
    this.schedule(committed.run, 'start', 0);
  }

  cancel(tenant: string, run: RunRow): RunRow {
    const { db } = this.ctx;
    const updated = db.transaction(() => {
      const current = findRunById(db, run.id);
      if (!current || current.tenant !== tenant) throw notFound('run', run.id);
      if (!(CANCELLABLE_STATUSES as readonly string[]).includes(current.status)) throw cannotCancelRun(current.status);
      assertTransition(current.status, 'cancelling');
      return updateRun(db, current.id, { status: 'cancelling' });
    });
    this.publishRun(updated, 'thread.run.cancelling');
    this.schedule(updated, 'cancel', 0);
    return updated;
  }

  /** Control API: end a run now with the given status, through legal transitions. */
  forceEnd(tenant: string, runId: string, ending: 'completed' | 'failed' | 'expired'): RunRow {
    const run = findRunById(this.ctx.db, runId);
    if (!run || run.tenant !== tenant) throw notFound('run', runId);
    if (!isActive(run.status) || run.status === 'cancelling') throw cannotCancelRun(run.status);
    this.ctx.scheduler.cancel(run.id);
    const task = this.tasks.get(run.id);
    if (task) task.pending = undefined;
    if (ending === 'expired') return this.expire(run.id) ?? run;
    let current = run;
    if (current.status === 'requires_action') current = this.transition(current, 'queued', { requiredAction: null }, 'thread.run.queued');
    if (current.status === 'queued')
      current = this.transition(current, 'in_progress', { startedAt: this.now(current.tenant) }, 'thread.run.in_progress');
    const plan = task?.plan;
    if (ending === 'failed') {
      return this.endRun(
        current,
        'failed',
        { lastError: { code: 'server_error', message: 'The run was failed by the control API.' } },
        plan,
      );
    }
    return this.endRun(current, 'completed', {}, plan);
  }

  /** Manual mode: performs the run's next phase now. */
  advanceManual(tenant: string, runId: string): RunRow {
    const run = findRunById(this.ctx.db, runId);
    if (!run || run.tenant !== tenant) throw notFound('run', runId);
    const task = this.tasks.get(runId);
    const phase = task?.pending;
    if (task && phase) {
      task.pending = undefined;
      this.runPhase(runId, phase);
    }
    return findRunById(this.ctx.db, runId) ?? run;
  }

  /**
   * The thread is being deleted: its unfinished runs end `cancelled` now (their streams get the final
   * run event and `done`), then their timers go (the rows go with the thread). docs/streaming.md.
   */
  forgetThread(threadId: string): void {
    const rows = this.ctx.db.select({ id: runs.id, status: runs.status }).from(runs).where(eq(runs.threadId, threadId)).all();
    this.endAndForget(rows, "The run's thread was deleted.");
  }

  /** Reset: a tenant's unfinished runs (every tenant's with null) end as for a deleted thread. */
  forgetTenant(tenant: string | null): void {
    const query = this.ctx.db.select({ id: runs.id, status: runs.status }).from(runs);
    const rows = tenant === null ? query.all() : query.where(eq(runs.tenant, tenant)).all();
    this.endAndForget(rows, "The run's tenant was reset.");
  }

  /**
   * Ends each unfinished run `cancelled` (through `cancelling`, with the events a cancel sends), drops
   * its timers, and closes any stream of it still open with an `error` event then `done` (a run whose
   * ending failed): no SDK stream helper is left waiting for an event that will never come.
   */
  private endAndForget(rows: { id: string; status: string }[], reason: string): void {
    for (const { id, status } of rows) {
      const run = isActive(status) ? findRunById(this.ctx.db, id) : undefined;
      if (run) {
        try {
          this.ctx.scheduler.cancel(run.id);
          const cancelling = run.status === 'cancelling' ? run : this.transition(run, 'cancelling', {}, 'thread.run.cancelling');
          this.finishCancel(cancelling);
        } catch (error) {
          this.ctx.log?.error({ err: error, runId: run.id }, 'could not end the run of a deleted thread');
        }
      }
      this.forget(id);
      this.ctx.streams.endRun(id, { message: reason, type: 'invalid_request_error', param: null, code: null });
    }
  }

  private forget(runId: string): void {
    this.tasks.delete(runId);
    this.ctx.scheduler.cancel(runId);
    this.ctx.scheduler.cancel(`expire:${runId}`);
  }

  // ---- scheduling -------------------------------------------------------------------------------

  /** Delays are on the run's tenant's clock: that tenant's clock advance fires them, no other's. */
  private schedule(run: Pick<RunRow, 'id' | 'tenant'>, phase: Phase, delayMs: number): void {
    if (this.stopped) return;
    const runId = run.id;
    const task = this.tasks.get(runId) ?? { runId };
    this.tasks.set(runId, task);
    if (this.ctx.config.runMode === 'manual') {
      task.pending = phase;
      return;
    }
    this.ctx.scheduler.after(runId, delayMs, () => this.runPhase(runId, phase), run.tenant);
  }

  private runPhase(runId: string, phase: Phase): void {
    if (this.stopped) return;
    try {
      const run = findRunById(this.ctx.db, runId);
      if (!run) return void this.tasks.delete(runId);
      if (phase === 'cancel' || run.status === 'cancelling') return this.finishCancel(run);
      if (isTerminal(run.status)) return void this.tasks.delete(runId);
      switch (phase) {
        case 'start':
          return this.phaseStart(run);
        case 'plan':
          return this.phasePlan(run);
        case 'begin':
          return this.phaseBegin(run);
        case 'stream':
          return this.phaseStream(run);
        case 'finish':
          return this.phaseFinish(run);
      }
    } catch (error) {
      this.failOnError(runId, error);
    }
  }

  private armExpiry(run: RunRow): void {
    if (run.expiresAt === null) return;
    // On the tenant's clock, as expires_at was computed: another tenant's clock advance cannot reach it.
    this.ctx.scheduler.at(
      `expire:${run.id}`,
      run.expiresAt * 1000,
      () => {
        try {
          this.expire(run.id);
        } catch (error) {
          this.failOnError(run.id, error);
        }
      },
      run.tenant,
    );
  }

  // ---- phases -----------------------------------------------------------------------------------

  private phaseStart(run: RunRow): void {
    if (run.status !== 'queued') return;
    // started_at moves to the time of each resumption, as the streaming examples show.
    this.transition(run, 'in_progress', { startedAt: this.now(run.tenant) }, 'thread.run.in_progress');
    this.schedule(run, 'plan', 0);
  }

  private phasePlan(run: RunRow): void {
    if (run.status !== 'in_progress') return;
    const input = this.turnInput(run);
    const { action, answeredBy } = this.decide(input);
    auditTurn(this.ctx, run, answeredBy);
    const tokens = promptTokens(run, input.messages, input.toolOutputs);
    const task = this.tasks.get(run.id) ?? { runId: run.id };
    this.tasks.set(run.id, task);
    task.plan = {
      action,
      promptTokens: tokens,
      deltas: [],
      cursor: 0,
      paceMs: action.stream?.delay_ms ?? this.ctx.config.streamDelayMs,
    };
    this.schedule(run, 'begin', action.delay_ms ?? 0);
  }

  private phaseBegin(run: RunRow): void {
    const plan = this.tasks.get(run.id)?.plan;
    if (!plan) return this.schedule(run, 'plan', 0);
    const { action } = plan;
    if (run.maxPromptTokens !== null && plan.promptTokens > run.maxPromptTokens) {
      this.endRun(run, 'incomplete', { incompleteDetails: { reason: 'max_prompt_tokens' } }, plan);
      return;
    }
    switch (action.kind) {
      case 'fail':
        this.endRun(run, 'failed', { lastError: { code: action.code, message: action.message } }, plan);
        return;
      case 'incomplete':
        if (!action.text || action.reason === 'max_prompt_tokens') {
          this.endRun(run, 'incomplete', { incompleteDetails: { reason: action.reason } }, plan);
          return;
        }
        this.beginText(run, plan, action.text, [], true);
        break;
      case 'text':
        this.beginText(run, plan, action.text, action.annotations ?? [], false);
        break;
      case 'tool_calls':
        this.beginToolCalls(run, plan, action.calls);
        break;
    }
    if (plan.step) auditTurnStep(this.ctx, run, plan.step.id);
    this.schedule(run, 'stream', plan.deltas.length > 0 ? plan.paceMs : 0);
  }

  private beginText(run: RunRow, plan: TurnPlan, fullText: string, annotations: TextAnnotation[], forceIncomplete: boolean): void {
    const state = stateOf(run);
    let text = fullText;
    let truncated = forceIncomplete;
    if (run.maxCompletionTokens !== null) {
      const budget = run.maxCompletionTokens - state.usage.completion_tokens;
      if (countTokens(text) > budget) {
        text = truncateToTokens(text, Math.max(0, budget));
        truncated = true;
      }
    }
    const kept = annotations.filter((a) => a.end_index <= text.length);
    const now = this.now(run.tenant);
    const messageId = newId('message');
    const { step, message } = this.ctx.db.transaction(() => {
      const message = insertMessage(this.ctx.db, {
        id: messageId,
        tenant: run.tenant,
        threadId: run.threadId,
        createdAt: now,
        role: 'assistant',
        status: 'in_progress',
        content: [],
        attachments: [],
        assistantId: run.assistantId,
        runId: run.id,
        metadata: {},
        completedAt: null,
        incompleteAt: null,
        incompleteDetails: null,
      });
      const step = insertStep(
        this.ctx.db,
        this.newStep(run, 'message_creation', { type: 'message_creation', message_creation: { message_id: messageId } }),
      );
      return { step, message };
    });
    plan.step = step;
    plan.message = message;
    plan.text = text;
    plan.annotations = kept;
    plan.truncated = truncated;
    const words = plan.action.stream?.chunk_tokens ?? this.ctx.config.streamChunkTokens;
    // A JSON reply has few spaces: it is streamed in small fragments, as tool arguments are.
    const json = plan.action.kind === 'text' && plan.action.format === 'json';
    plan.deltas = textDeltas(text, kept, words, json ? (t, n) => splitJson(t, 8 * n) : undefined).map((delta) => ({
      event: 'thread.message.delta' as const,
      delta,
    }));
    this.publishStep(run, 'thread.run.step.created', step);
    this.publishStep(run, 'thread.run.step.in_progress', step);
    this.publishMessage(run, 'thread.message.created', message);
    this.publishMessage(run, 'thread.message.in_progress', message);
  }

  private beginToolCalls(run: RunRow, plan: TurnPlan, scripted: ScriptedToolCall[]): void {
    const calls = scripted.map((call) => this.prepareCall(run, call));
    const step = this.ctx.db.transaction(() =>
      insertStep(this.ctx.db, this.newStep(run, 'tool_calls', { type: 'tool_calls', tool_calls: [] })),
    );
    plan.step = step;
    plan.calls = calls;
    plan.deltas = toolCallDeltas(calls).map((delta) => ({ event: 'thread.run.step.delta' as const, delta }));
    this.publishStep(run, 'thread.run.step.created', step);
    this.publishStep(run, 'thread.run.step.in_progress', step);
  }

  private phaseStream(run: RunRow): void {
    const plan = this.tasks.get(run.id)?.plan;
    if (!plan || run.status !== 'in_progress') return this.schedule(run, 'plan', 0);
    // Paced streams send one delta per tick; otherwise (and in manual mode) all at once.
    const all = plan.paceMs <= 0 || this.ctx.config.runMode === 'manual';
    const end = all ? plan.deltas.length : Math.min(plan.cursor + 1, plan.deltas.length);
    // Issue 4 fix: the sent text is now stored after every tick, unpaced ones too (it was only for paced
    // streams): a cancel between this phase and finish closed the message with the content [] stored at
    // begin although the client had received every delta. A GET shows what has been streamed so far.
    if (plan.message) updateMessage(this.ctx.db, plan.message.id, { content: sentContent(plan, end) });
    this.publishDeltas(run, plan, end, true);
    if (plan.cursor < end) {
      // Backpressure (issue 4 of the security review): the run's stream has more unsent bytes than
      // SOFT_LIMIT_BYTES. What was not sent is not stored either; the rest waits for the client to
      // read (`drain`), or for a stalled client to be cut.
      if (plan.message) updateMessage(this.ctx.db, plan.message.id, { content: sentContent(plan, plan.cursor) });
      return this.ctx.streams.whenDrained(run.id, () => this.resumeStream(run));
    }
    if (plan.cursor < plan.deltas.length) return this.schedule(run, 'stream', plan.paceMs);
    this.schedule(run, 'finish', 0);
  }

  /** After a congested stream drained: stream on, unless the run moved on meanwhile (cancel, end, delete). */
  private resumeStream(run: Pick<RunRow, 'id' | 'tenant'>): void {
    const task = this.tasks.get(run.id);
    if (this.stopped || !task || task.pending || this.ctx.scheduler.has(run.id)) return;
    // Manual mode sends a turn's deltas in one advance: the rest follows without another one.
    if (this.ctx.config.runMode === 'manual') this.runPhase(run.id, 'stream');
    else this.schedule(run, 'stream', 0);
  }

  /**
   * Publishes the plan's deltas up to (not including) `end`, advancing its cursor; `paced`: stops early
   * while a stream of the run is congested (a run ended by the control API sends the rest at once).
   */
  private publishDeltas(run: RunRow, plan: TurnPlan, end: number, paced = false): void {
    for (; plan.cursor < end; plan.cursor++) {
      if (paced && this.ctx.streams.isCongested(run.id)) return;
      const { event, delta } = plan.deltas[plan.cursor];
      const id = event === 'thread.message.delta' ? plan.message!.id : plan.step!.id;
      if (event === 'thread.message.delta') {
        // v1 streams show the citations' quotes, as v1 messages do.
        const v1 = () => ({
          id,
          object: 'thread.message.delta',
          delta: messageDeltaForV1(delta as MessageDelta, () => planText(plan), v1Content),
        });
        this.bus(run, event, { id, object: 'thread.message.delta', delta }, v1);
      } else {
        // v1 streams name file_search calls `retrieval` in deltas too.
        const v1 = () => ({ id, object: 'thread.run.step.delta', delta: stepDeltaForV1(delta as StepDelta) });
        this.bus(run, event, { id, object: 'thread.run.step.delta', delta }, v1);
      }
    }
  }

  private phaseFinish(run: RunRow): void {
    const plan = this.tasks.get(run.id)?.plan;
    if (!plan || run.status !== 'in_progress') return this.schedule(run, 'plan', 0);
    if (plan.message) {
      if (plan.truncated) {
        const reason = plan.action.kind === 'incomplete' ? plan.action.reason : 'max_completion_tokens';
        this.endRun(run, 'incomplete', { incompleteDetails: { reason } }, plan);
      } else {
        this.endRun(run, 'completed', {}, plan);
      }
      return;
    }
    const calls = plan.calls ?? [];
    const completion = calls.reduce((n, c) => n + countTokens(JSON.stringify(c.stored)), 0);
    const usage = this.turnUsage(plan, completion);
    const state = stateOf(run);
    const totals = addUsage(state.usage, usage);
    const now = this.now(run.tenant);
    const functionCalls = calls.filter((c) => c.type === 'function');
    if (functionCalls.length > 0) {
      const updated = this.ctx.db.transaction(() => {
        // Issue 4 fix: the step stays in_progress, so its usage stays null (it was set here, and a GET
        // of the step at requires_action differed from the spec and from what was streamed); it is
        // kept in the engine state and written when the step is closed.
        updateStep(this.ctx.db, plan.step!.id, {
          stepDetails: { type: 'tool_calls', tool_calls: calls.map((c) => c.stored) },
        });
        assertTransition(run.status, 'requires_action');
        return updateRun(this.ctx.db, run.id, {
          status: 'requires_action',
          requiredAction: {
            type: 'submit_tool_outputs',
            submit_tool_outputs: {
              tool_calls: functionCalls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.function!.name, arguments: c.function!.arguments },
              })),
            },
          },
          usage: toUsage(totals),
          engineState: { ...state, usage: totals, stepUsage: { stepId: plan.step!.id, usage } },
        });
      });
      this.tasks.get(run.id)!.plan = undefined;
      this.publishRun(updated, 'thread.run.requires_action');
      return;
    }
    // Only server-side tools: they finished; the model takes another turn.
    const searched = calls.some((c) => c.type === 'file_search');
    const searchResults = calls.flatMap((c) => c.hits ?? []);
    const { updated, step } = this.ctx.db.transaction(() => {
      const step = updateStep(this.ctx.db, plan.step!.id, {
        status: 'completed',
        completedAt: now,
        stepDetails: { type: 'tool_calls', tool_calls: calls.map((c) => c.stored) },
        usage: toUsage(usage),
      });
      const updated = updateRun(this.ctx.db, run.id, {
        turn: run.turn + 1,
        engineState: { ...state, usage: totals, searchResults: searched ? searchResults : state.searchResults },
      });
      return { updated, step };
    });
    this.tasks.get(run.id)!.plan = undefined;
    this.publishStep(updated, 'thread.run.step.completed', step);
    this.schedule(run, 'plan', 0);
  }

  // ---- endings ----------------------------------------------------------------------------------

  /** Ends the run (completed, incomplete or failed) with its open step and message, in one transaction. */
  private endRun(run: RunRow, status: 'completed' | 'incomplete' | 'failed', extra: Partial<NewRun>, plan: TurnPlan | undefined): RunRow {
    const state = stateOf(run);
    const now = this.now(run.tenant);
    const completion = plan?.text !== undefined ? countTokens(plan.text) : 0;
    const usage = plan ? this.turnUsage(plan, completion) : { prompt_tokens: 0, completion_tokens: 0 };
    const totals = addUsage(state.usage, usage);
    const messageStatus = status === 'completed' ? 'completed' : 'incomplete';
    // Issue 4 fix: a run ended mid-stream (control API complete/fail) stored the whole planned text
    // although only part of it had been streamed. A completed run now streams the rest first; any
    // other ending keeps exactly the text streamed so far (what the SDK accumulators hold).
    if (plan?.message && status === 'completed') this.publishDeltas(run, plan, plan.deltas.length);
    const result = this.ctx.db.transaction(() => {
      let message: MessageRow | undefined;
      if (plan?.message) {
        message = updateMessage(this.ctx.db, plan.message.id, {
          status: plan.truncated || status !== 'completed' ? 'incomplete' : messageStatus,
          content: sentContent(plan, plan.cursor),
          completedAt: status === 'completed' && !plan.truncated ? now : null,
          incompleteAt: status === 'completed' && !plan.truncated ? null : now,
          incompleteDetails:
            status === 'completed' && !plan.truncated ? null : { reason: status === 'failed' ? 'run_failed' : 'max_tokens' },
        });
      }
      const steps = this.closeOpenSteps(run, status === 'failed' ? 'failed' : 'completed', now, plan?.step?.id, usage, extra.lastError);
      assertTransition(run.status, status);
      const updated = updateRun(this.ctx.db, run.id, {
        ...extra,
        status,
        requiredAction: null,
        expiresAt: null,
        completedAt: status === 'completed' ? now : null,
        failedAt: status === 'failed' ? now : null,
        incompleteAt: status === 'incomplete' ? now : null,
        usage: toUsage(totals),
        engineState: { ...state, usage: totals },
      });
      return { updated, message, steps };
    });
    this.finishTask(run.id);
    if (result.message) {
      this.publishMessage(
        result.updated,
        result.message.status === 'completed' ? 'thread.message.completed' : 'thread.message.incomplete',
        result.message,
      );
    }
    for (const step of result.steps) this.publishStep(result.updated, `thread.run.step.${step.status}`, step);
    this.publishRun(result.updated, `thread.run.${status}`);
    return result.updated;
  }

  private finishCancel(run: RunRow): void {
    if (run.status !== 'cancelling') return;
    const now = this.now(run.tenant);
    const result = this.ctx.db.transaction(() => {
      const messages = this.closeOpenMessages(run, 'run_cancelled', now);
      const steps = this.closeOpenSteps(run, 'cancelled', now);
      assertTransition(run.status, 'cancelled');
      const updated = updateRun(this.ctx.db, run.id, {
        status: 'cancelled',
        cancelledAt: now,
        requiredAction: null,
        expiresAt: null,
        usage: toUsage(stateOf(run).usage),
      });
      return { updated, messages, steps };
    });
    this.finishTask(run.id);
    for (const message of result.messages) this.publishMessage(result.updated, 'thread.message.incomplete', message);
    for (const step of result.steps) this.publishStep(result.updated, 'thread.run.step.cancelled', step);
    this.publishRun(result.updated, 'thread.run.cancelled');
  }

  /** Past expires_at: queued, in_progress and requires_action runs expire; returns the run if it did. */
  private expire(runId: string): RunRow | undefined {
    const run = findRunById(this.ctx.db, runId);
    if (!run || !['queued', 'in_progress', 'requires_action'].includes(run.status)) return undefined;
    const now = this.now(run.tenant);
    const result = this.ctx.db.transaction(() => {
      const messages = this.closeOpenMessages(run, 'run_expired', now);
      const steps = this.closeOpenSteps(run, 'expired', now);
      assertTransition(run.status, 'expired');
      const updated = updateRun(this.ctx.db, run.id, { status: 'expired', requiredAction: null, usage: toUsage(stateOf(run).usage) });
      return { updated, messages, steps };
    });
    this.finishTask(run.id);
    for (const message of result.messages) this.publishMessage(result.updated, 'thread.message.incomplete', message);
    for (const step of result.steps) this.publishStep(result.updated, 'thread.run.step.expired', step);
    this.publishRun(result.updated, 'thread.run.expired');
    return result.updated;
  }

  /** An unexpected error inside a phase fails the run (with `server_error`) instead of leaving it hanging. */
  private failOnError(runId: string, error: unknown): void {
    try {
      const run = findRunById(this.ctx.db, runId);
      if (!run || isTerminal(run.status)) return;
      this.ctx.log?.error({ err: error, runId }, 'run engine error');
      this.bus(run, 'error', {
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: 'server_error',
        },
      });
      let current = run;
      if (current.status === 'cancelling') return this.finishCancel(current);
      if (current.status !== 'in_progress' && current.status !== 'queued' && current.status !== 'requires_action') return;
      if (current.status !== 'in_progress')
        current = this.transition(
          current,
          'failed',
          { failedAt: this.now(current.tenant), lastError: serverLastError() },
          'thread.run.failed',
        );
      // Issue 4 fix: the turn's plan is passed on (it was `undefined`), so a message that was streaming
      // ends `incomplete` (run_failed) with the text sent so far instead of staying in_progress forever.
      else this.endRun(current, 'failed', { lastError: serverLastError() }, this.tasks.get(runId)?.plan);
    } catch {
      this.tasks.delete(runId);
    }
  }

  private finishTask(runId: string): void {
    this.tasks.delete(runId);
    this.ctx.scheduler.cancel(runId);
    this.ctx.scheduler.cancel(`expire:${runId}`);
  }

  private closeOpenMessages(run: RunRow, reason: string, now: number): MessageRow[] {
    const open = this.ctx.db
      .select()
      .from(messagesTable)
      .where(and(eq(messagesTable.runId, run.id), eq(messagesTable.status, 'in_progress')))
      .all();
    return open.map((m) => updateMessage(this.ctx.db, m.id, { status: 'incomplete', incompleteAt: now, incompleteDetails: { reason } })!);
  }

  private closeOpenSteps(
    run: RunRow,
    status: 'completed' | 'failed' | 'cancelled' | 'expired',
    now: number,
    usageStepId?: string,
    usage?: { prompt_tokens: number; completion_tokens: number },
    lastError?: unknown,
  ): RunStepRow[] {
    const open = this.ctx.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.runId, run.id), inArray(runSteps.status, ['in_progress'])))
      .all();
    const pending = stateOf(run).stepUsage;
    return open.map((step) =>
      updateStep(this.ctx.db, step.id, {
        status,
        completedAt: status === 'completed' ? now : null,
        failedAt: status === 'failed' ? now : null,
        cancelledAt: status === 'cancelled' ? now : null,
        expiredAt: status === 'expired' ? now : null,
        lastError: status === 'failed' ? (lastError ?? serverLastError()) : null,
        usage: step.id === usageStepId && usage ? toUsage(usage) : pending?.stepId === step.id ? toUsage(pending.usage) : step.usage,
      }),
    );
  }

  /** One transition, committed then announced. */
  private transition(run: RunRow, to: RunStatus, changes: Partial<NewRun>, event: string): RunRow {
    const updated = this.ctx.db.transaction(() => {
      assertTransition(run.status, to);
      return updateRun(this.ctx.db, run.id, { ...changes, status: to });
    });
    this.publishRun(updated, event);
    return updated;
  }

  // ---- the "model" ------------------------------------------------------------------------------

  private decide(input: TurnInput): TurnDecision {
    return this.ctx.scenarios?.answer(input) ?? this.defaults.answer(input);
  }

  private turnInput(run: RunRow): TurnInput {
    const thread = findThread(this.ctx.db, run.tenant, run.threadId)!;
    const assistant = findAssistant(this.ctx.db, run.tenant, run.assistantId);
    const all = allMessages(this.ctx.db, run.threadId).filter((m) => m.runId !== run.id || m.status === 'completed');
    const visible = promptMessages(run, all);
    const state = stateOf(run);
    return {
      run,
      assistant,
      thread,
      messages: visible,
      lastUserMessage: lastUserMessage(all),
      toolOutputs: state.toolOutputs,
      turn: run.turn,
      searchResults: state.searchResults,
      vectorStoreIds: vectorStoreIdsOf(run, thread),
    };
  }

  /** Gives a scripted call its id and its stored form; server-side tools get their results now. */
  private prepareCall(run: RunRow, call: ScriptedToolCall): StoredCall {
    const id = newId('toolCall');
    if (call.type === 'function') {
      return {
        id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
        stored: { id, type: 'function', function: { name: call.name, arguments: call.arguments, output: null } },
      };
    }
    if (call.type === 'code_interpreter') {
      const code = { input: call.input, outputs: call.outputs };
      return { id, type: 'code_interpreter', code_interpreter: code, stored: { id, type: 'code_interpreter', code_interpreter: code } };
    }
    const thread = findThread(this.ctx.db, run.tenant, run.threadId);
    const tool = (
      run.tools as {
        type: string;
        file_search?: { max_num_results?: number; ranking_options?: { ranker?: string; score_threshold?: number } };
      }[]
    ).find((t) => t.type === 'file_search');
    const rankingOptions = {
      ranker: tool?.file_search?.ranking_options?.ranker ?? 'default_2024_08_21',
      score_threshold: tool?.file_search?.ranking_options?.score_threshold ?? 0,
    };
    const query = call.query ?? lastUserMessage(allMessages(this.ctx.db, run.threadId));
    const ids = thread ? vectorStoreIdsOf(run, thread) : [];
    // As the real API, a run waits for its stores to be ready: finish any pending indexing now.
    if (ids.length > 0) indexPendingFiles(this.ctx, run.tenant, ids);
    const hits =
      ids.length > 0
        ? searchVectorStores(this.ctx.db, run.tenant, ids, query, {
            maxResults: tool?.file_search?.max_num_results ?? 20,
            scoreThreshold: rankingOptions.score_threshold,
          })
        : [];
    // The chunk text is stored; serializeStep shows it only when include[] asks for it.
    const results = hits.map((h) => ({
      file_id: h.file_id,
      file_name: h.file_name,
      score: h.score,
      content: [{ type: 'text', text: h.content }],
    }));
    const fileSearch = { ranking_options: rankingOptions, results };
    return { id, type: 'file_search', file_search: fileSearch, stored: { id, type: 'file_search', file_search: fileSearch }, hits };
  }

  private newStep(run: RunRow, type: 'message_creation' | 'tool_calls', stepDetails: unknown) {
    return {
      id: newId('step'),
      tenant: run.tenant,
      runId: run.id,
      threadId: run.threadId,
      assistantId: run.assistantId,
      createdAt: this.now(run.tenant),
      type,
      status: 'in_progress',
      stepDetails,
      lastError: null,
      cancelledAt: null,
      completedAt: null,
      expiredAt: null,
      failedAt: null,
      usage: null,
      metadata: {},
    };
  }

  private turnUsage(plan: TurnPlan, completionTokens: number) {
    const scripted = plan.action.usage;
    return {
      prompt_tokens: scripted?.prompt_tokens ?? plan.promptTokens,
      completion_tokens: scripted?.completion_tokens ?? completionTokens,
    };
  }

  /** The run's tenant's time: each tenant has its own view of virtual time (src/engine/tenant-clocks.ts). */
  private now(tenant: string): number {
    return this.ctx.clocks.nowSeconds(tenant);
  }

  // ---- events -----------------------------------------------------------------------------------

  private publishRun(run: RunRow, event: string): void {
    auditRunEvent(this.ctx, run, event);
    this.bus(run, event, serializeRun(run, 'v2'), () => serializeRunFor(this.ctx.db, run, 'v1'));
  }

  private publishStep(run: RunRow, event: string, step: RunStepRow): void {
    const include = stateOf(run).include;
    this.bus(run, event, serializeStep(step, 'v2', include), () => serializeStep(step, 'v1', include));
  }

  private publishMessage(run: RunRow, event: string, message: MessageRow): void {
    this.bus(run, event, serializeMessage(message, 'v2'), () => serializeMessageFor(this.ctx, message, 'v1'));
  }

  private bus(run: RunRow, event: string, data: unknown, v1?: () => unknown): void {
    this.ctx.bus.publish({ event, data, v1, tenant: run.tenant, threadId: run.threadId, runId: run.id });
  }
}

// ---- helpers ------------------------------------------------------------------------------------

export function stateOf(run: RunRow): EngineState {
  const state = (run.engineState ?? {}) as Partial<EngineState>;
  return {
    include: state.include ?? [],
    usage: state.usage ?? { prompt_tokens: 0, completion_tokens: 0 },
    toolOutputs: state.toolOutputs ?? [],
    searchResults: state.searchResults,
    stepUsage: state.stepUsage,
  };
}

/**
 * The stored content of a text turn whose deltas before `end` have been sent: their text, and the
 * annotations they carried (textDeltas sends each one with the fragment that reaches its end_index).
 * Nothing sent yet: no content block, as at thread.message.created.
 */
/** The whole text of the plan's message, all deltas joined (what its citations index into). */
function planText(plan: TurnPlan): string {
  return plan.deltas
    .filter((d) => d.event === 'thread.message.delta')
    .map((d) => (d.delta as MessageDelta).content[0].text.value)
    .join('');
}

function sentContent(plan: TurnPlan, end: number): unknown[] {
  const sent = plan.deltas.slice(0, end).filter((d) => d.event === 'thread.message.delta');
  if (sent.length === 0) return [];
  const value = sent.map((d) => (d.delta as MessageDelta).content[0].text.value).join('');
  const annotations = (plan.annotations ?? []).filter((a) => a.end_index <= value.length);
  return [{ type: 'text', text: { value, annotations } }];
}

function pendingCalls(run: RunRow): { id: string; function: { name: string; arguments: string } }[] {
  const action = run.requiredAction as {
    submit_tool_outputs?: { tool_calls: { id: string; function: { name: string; arguments: string } }[] };
  } | null;
  return action?.submit_tool_outputs?.tool_calls ?? [];
}

function openToolStep(db: AppContext['db'], runId: string): RunStepRow | undefined {
  return stepsOfRun(db, runId).find((s) => s.type === 'tool_calls' && s.status === 'in_progress');
}

function addUsage(a: { prompt_tokens: number; completion_tokens: number }, b: { prompt_tokens: number; completion_tokens: number }) {
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens };
}

function toUsage(u: { prompt_tokens: number; completion_tokens: number }) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens };
}

function serverLastError() {
  return { code: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' };
}

/** Vector stores a run may search: the thread's and the run's (or assistant's) file_search resources. */
function vectorStoreIdsOf(run: RunRow, thread: ThreadRow): string[] {
  const ids = new Set<string>();
  const fromResources = (resources: unknown) => {
    const r = resources as { file_search?: { vector_store_ids?: string[] } } | null;
    for (const id of r?.file_search?.vector_store_ids ?? []) ids.add(id);
  };
  fromResources(run.toolResources);
  fromResources(thread.toolResources);
  return [...ids];
}
