/**
 * The stream phase of a scripted turn: send the planned deltas, one per tick when paced, all at once
 * otherwise, and hold while a client of the run is slow to read (backpressure).
 */
import { updateMessage } from '../store/messages.js';
import type { RunRow } from '../store/schema.js';
import type { EngineCore } from './core.js';
import { sentContent } from './turn-plan.js';

export function phaseStream(core: EngineCore, run: RunRow): void {
  const plan = core.tasks.get(run.id)?.plan;
  if (!plan || run.status !== 'in_progress') return core.schedule(run, 'plan', 0);
  const { db, config, streams } = core.ctx;
  // Paced streams send one delta per tick; otherwise (and in manual mode) all at once.
  const all = plan.paceMs <= 0 || config.runMode === 'manual';
  const end = all ? plan.deltas.length : Math.min(plan.cursor + 1, plan.deltas.length);
  // Issue 4 fix: the sent text is now stored after every tick, unpaced ones too (it was only for paced
  // streams): a cancel between this phase and finish closed the message with the content [] stored at
  // begin although the client had received every delta. A GET shows what has been streamed so far.
  if (plan.message) updateMessage(db, plan.message.id, { content: sentContent(plan, end) });
  core.publish.deltas(run, plan, end, true);
  if (plan.cursor < end) {
    // Backpressure (issue 4 of the security review): the run's stream has more unsent bytes than
    // SOFT_LIMIT_BYTES. What was not sent is not stored either; the rest waits for the client to
    // read (`drain`), or for a stalled client to be cut.
    if (plan.message) updateMessage(db, plan.message.id, { content: sentContent(plan, plan.cursor) });
    return streams.whenDrained(run.id, () => resumeStream(core, run));
  }
  if (plan.cursor < plan.deltas.length) return core.schedule(run, 'stream', plan.paceMs);
  core.schedule(run, 'finish', 0);
}

/** After a congested stream drained: stream on, unless the run moved on meanwhile (cancel, end, delete). */
function resumeStream(core: EngineCore, run: Pick<RunRow, 'id' | 'tenant'>): void {
  const task = core.tasks.get(run.id);
  if (core.stopped || !task || task.pending || core.ctx.scheduler.has(run.id)) return;
  // Manual mode sends a turn's deltas in one advance: the rest follows without another one.
  if (core.ctx.config.runMode === 'manual') void core.runPhase(run.id, 'stream');
  else core.schedule(run, 'stream', 0);
}
