/**
 * The run_audit table (src/store/schema.ts): a run's status history and who answered its turns, for
 * GET /__admin/runs/{id}. Appends are single statements (SQLite's JSON functions edit the arrays in
 * place), so the engine pays one small write per status change and per turn.
 */
import type { AnsweredBy } from '../brains/types.js';
import type { Db } from './database.js';

export interface StatusChange {
  status: string;
  /** Unix seconds of the (virtual) clock. */
  at: number;
}

export interface TurnRecord {
  index: number;
  step_id: string | null;
  answered_by: AnsweredBy;
}

export interface RunAudit {
  history: StatusChange[];
  turns: TurnRecord[];
}

/** A run whose thread was deleted under it has no row to hang the audit on: nothing is written. */
const RUN_EXISTS = 'EXISTS (SELECT 1 FROM runs WHERE id = @runId)';

/** Appends a status to the run's history. */
export function appendRunStatus(db: Db, tenant: string, runId: string, change: StatusChange): void {
  db.$client
    .prepare(
      `INSERT INTO run_audit (run_id, tenant, history, turns)
       SELECT @runId, @tenant, json_array(json_object('status', @status, 'at', @at)), '[]' WHERE ${RUN_EXISTS}
       ON CONFLICT (run_id) DO UPDATE SET history = json_insert(history, '$[#]', json_object('status', @status, 'at', @at))`,
    )
    .run({ runId, tenant, status: change.status, at: change.at });
}

/**
 * Records who answered turn `index`. A turn planned again (after a restart) replaces its record;
 * the step is filled in by setTurnStep once the turn has created it.
 */
export function recordRunTurn(db: Db, tenant: string, runId: string, index: number, answeredBy: AnsweredBy): void {
  const turn = JSON.stringify({ index, step_id: null, answered_by: answeredBy });
  db.$client
    .prepare(
      `INSERT INTO run_audit (run_id, tenant, history, turns)
       SELECT @runId, @tenant, '[]', json_array(json(@turn)) WHERE ${RUN_EXISTS}
       ON CONFLICT (run_id) DO UPDATE SET turns = json_set(turns, '$[' || CAST(@index AS INTEGER) || ']', json(@turn))`,
    )
    .run({ runId, tenant, turn, index });
}

/** Notes the step that turn `index` created (message_creation or tool_calls). */
export function setTurnStep(db: Db, runId: string, index: number, stepId: string): void {
  db.$client
    .prepare(`UPDATE run_audit SET turns = json_set(turns, '$[' || CAST(@index AS INTEGER) || '].step_id', @stepId) WHERE run_id = @runId`)
    .run({ runId, index, stepId });
}

export function findRunAudit(db: Db, runId: string): RunAudit {
  const row = db.$client.prepare('SELECT history, turns FROM run_audit WHERE run_id = ?').get(runId) as
    { history: string; turns: string } | undefined;
  if (!row) return { history: [], turns: [] };
  return { history: JSON.parse(row.history) as StatusChange[], turns: JSON.parse(row.turns) as TurnRecord[] };
}
