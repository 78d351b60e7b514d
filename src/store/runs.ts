import type { Statement } from 'better-sqlite3';
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from './run-statuses.js';
import { preparedQuery, type Db, type PreparedQuery } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { LISTED } from './lists.js';
import { forgetMessagePages } from './message-pages.js';
import { messages, runs, runSteps, type RunRow, type RunStepRow } from './schema.js';

export type NewRun = Omit<RunRow, 'seq'>;
export type NewRunStep = Omit<RunStepRow, 'seq'>;

export function insertRun(db: Db, row: NewRun): RunRow {
  return db.insert(runs).values(row).returning().get();
}

export function findRun(db: Db, tenant: string, threadId: string, id: string): RunRow | undefined {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.id, id), eq(runs.threadId, threadId), eq(runs.tenant, tenant)))
    .get();
}

export function findRunById(db: Db, id: string): RunRow | undefined {
  return db.select().from(runs).where(eq(runs.id, id)).get();
}

export function updateRun(db: Db, id: string, changes: Partial<NewRun>): RunRow {
  return db.update(runs).set(changes).where(eq(runs.id, id)).returning().get();
}

/** The run that holds the thread (queued, in_progress, requires_action or cancelling), if any. */
export function findActiveRun(db: Db, threadId: string): RunRow | undefined {
  // Prepared once: every message create and run create asks it.
  const query = preparedQuery<RunRow>(
    db,
    'active run',
    () =>
      db
        .select()
        .from(runs)
        .where(and(eq(runs.threadId, sql.placeholder('threadId')), inArray(runs.status, [...ACTIVE_STATUSES])))
        .prepare() as unknown as PreparedQuery<RunRow>,
  );
  return query.get({ threadId });
}

/**
 * The id of the run that holds the thread, if any: what a message create asks on every call, so one
 * statement prepared per database that reads a single column (better-sqlite3's pluck mode), without
 * drizzle's row mapping of a whole run (findActiveRun).
 */
const ACTIVE_RUN_ID = `SELECT id FROM runs WHERE thread_id = ? AND status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')}) LIMIT 1`;
const activeRunIdStatements = new WeakMap<Db, Statement<[string], string>>();

export function activeRunId(db: Db, threadId: string): string | undefined {
  let statement = activeRunIdStatements.get(db);
  if (!statement) activeRunIdStatements.set(db, (statement = db.$client.prepare<[string], string>(ACTIVE_RUN_ID)));
  // pluck(true) on every use: a statement is shared with anyone preparing the same SQL text.
  return statement.pluck(true).get(threadId);
}

export function listRuns(db: Db, tenant: string, threadId: string, query: PageQuery) {
  return listPage<RunRow>(
    db,
    LISTED.runs,
    [
      [runs.threadId, threadId],
      [runs.tenant, tenant],
    ],
    query,
  );
}

/** Runs the engine must pick up again after a restart. */
export function unfinishedRuns(db: Db): RunRow[] {
  return db
    .select()
    .from(runs)
    .where(notInArray(runs.status, [...TERMINAL_STATUSES]))
    .orderBy(asc(runs.seq))
    .all();
}

export function insertStep(db: Db, row: NewRunStep): RunStepRow {
  return db.insert(runSteps).values(row).returning().get();
}

export function updateStep(db: Db, id: string, changes: Partial<NewRunStep>): RunStepRow {
  return db.update(runSteps).set(changes).where(eq(runSteps.id, id)).returning().get();
}

export function findStep(db: Db, tenant: string, runId: string, id: string): RunStepRow | undefined {
  return db
    .select()
    .from(runSteps)
    .where(and(eq(runSteps.id, id), eq(runSteps.runId, runId), eq(runSteps.tenant, tenant)))
    .get();
}

export function stepsOfRun(db: Db, runId: string): RunStepRow[] {
  return db.select().from(runSteps).where(eq(runSteps.runId, runId)).orderBy(asc(runSteps.seq)).all();
}

export function listSteps(db: Db, tenant: string, runId: string, query: PageQuery) {
  return listPage<RunStepRow>(
    db,
    LISTED.runSteps,
    [
      [runSteps.runId, runId],
      [runSteps.tenant, tenant],
    ],
    query,
  );
}

/** A run's steps still in progress, oldest first. */
export function openStepsOfRun(db: Db, runId: string): RunStepRow[] {
  return db
    .select()
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), eq(runSteps.status, 'in_progress')))
    .orderBy(asc(runSteps.seq))
    .all();
}

/** Each step of the run still in progress gets the changes `changesFor` gives it; returns them as stored. */
export function closeOpenStepsOfRun(db: Db, runId: string, changesFor: (step: RunStepRow) => Partial<NewRunStep>): RunStepRow[] {
  return openStepsOfRun(db, runId).map((step) => updateStep(db, step.id, changesFor(step)));
}

/** Id and status of every run of a thread (a thread delete ends the unfinished ones). */
export function runStatusesOfThread(db: Db, threadId: string): { id: string; status: string }[] {
  return db.select({ id: runs.id, status: runs.status }).from(runs).where(eq(runs.threadId, threadId)).all();
}

/** Id and status of every run of a tenant, or of every tenant with null (a reset ends the unfinished ones). */
export function runStatusesOfTenant(db: Db, tenant: string | null): { id: string; status: string }[] {
  const query = db.select({ id: runs.id, status: runs.status }).from(runs);
  return tenant === null ? query.all() : query.where(eq(runs.tenant, tenant)).all();
}

/** Recovery: forget the half-done turn of a run that was in progress when the process died. */
export function discardUnfinishedTurn(db: Db, runId: string): void {
  const open = db
    .select()
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), eq(runSteps.status, 'in_progress')))
    .all();
  for (const step of open) {
    const details = step.stepDetails as { type: string; message_creation?: { message_id: string } };
    if (details.message_creation) {
      forgetMessagePages(db, step.threadId);
      db.delete(messages).where(eq(messages.id, details.message_creation.message_id)).run();
    }
    db.delete(runSteps).where(eq(runSteps.id, step.id)).run();
  }
}
