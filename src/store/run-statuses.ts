/**
 * The statuses a run row can have, and the groups the store's queries select by (the active run of a
 * thread, the runs still to finish). The transitions between them are the engine's
 * (src/engine/state-machine.ts), which re-exports these.
 */
export const RUN_STATUSES = [
  'queued',
  'in_progress',
  'requires_action',
  'cancelling',
  'cancelled',
  'failed',
  'completed',
  'incomplete',
  'expired',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses that hold the thread: a second run or a new message is refused while one exists. */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'in_progress', 'requires_action', 'cancelling'];

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['cancelled', 'failed', 'completed', 'incomplete', 'expired'];
