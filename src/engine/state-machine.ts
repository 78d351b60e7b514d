/**
 * The run lifecycle as a pure transition table (no I/O, tested on its own):
 *
 *   queued -> in_progress -> (requires_action -> queued -> in_progress)* -> completed | incomplete | failed
 *   queued | in_progress | requires_action -> cancelling -> cancelled
 *   queued | in_progress | requires_action -> expired   (past expires_at)
 *
 * The run engine asks `assertTransition` before every write, so an impossible change (a tool output
 * racing a cancel, say) fails loudly instead of corrupting a run.
 */
import { ACTIVE_STATUSES, RUN_STATUSES, TERMINAL_STATUSES, type RunStatus } from '../store/run-statuses.js';

export { ACTIVE_STATUSES, RUN_STATUSES, TERMINAL_STATUSES, type RunStatus };

export const TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['in_progress', 'cancelling', 'expired', 'failed'],
  in_progress: ['requires_action', 'completed', 'incomplete', 'failed', 'cancelling', 'expired'],
  requires_action: ['queued', 'cancelling', 'expired', 'failed'],
  cancelling: ['cancelled'],
  cancelled: [],
  failed: [],
  completed: [],
  incomplete: [],
  expired: [],
};

/** Statuses the SDK pollers stop at, and the stream's final events. */
export const SETTLED_STATUSES: readonly RunStatus[] = ['requires_action', 'cancelled', 'failed', 'completed', 'incomplete', 'expired'];

export const CANCELLABLE_STATUSES: readonly RunStatus[] = ['queued', 'in_progress', 'requires_action'];

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Illegal run transition ${from} -> ${to}`);
  }
}

export function assertTransition(from: string, to: RunStatus): void {
  if (!isRunStatus(from) || !canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export function isActive(status: string): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(status);
}

export function isSettled(status: string): boolean {
  return (SETTLED_STATUSES as readonly string[]).includes(status);
}

/** Steps and the assistant's message follow their run to its ending. */
export const STEP_STATUS_FOR_RUN_ENDING: Readonly<Partial<Record<RunStatus, string>>> = {
  cancelled: 'cancelled',
  failed: 'failed',
  expired: 'expired',
  incomplete: 'completed',
  completed: 'completed',
};

/** `incomplete_details.reason` of a message cut short by its run's ending. */
export const MESSAGE_REASON_FOR_RUN_ENDING: Readonly<Partial<Record<RunStatus, string>>> = {
  cancelled: 'run_cancelled',
  failed: 'run_failed',
  expired: 'run_expired',
  incomplete: 'max_tokens',
};
