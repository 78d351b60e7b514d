/**
 * The run state machine on its own: the transition table of issue 3, nothing else.
 */
import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isActive,
  isSettled,
  isTerminal,
  RUN_STATUSES,
  TERMINAL_STATUSES,
  type RunStatus,
} from '../src/engine/state-machine.js';

const ALLOWED: [RunStatus, RunStatus][] = [
  ['queued', 'in_progress'],
  ['in_progress', 'requires_action'],
  ['requires_action', 'queued'],
  ['in_progress', 'completed'],
  ['in_progress', 'incomplete'],
  ['in_progress', 'failed'],
  ['queued', 'cancelling'],
  ['in_progress', 'cancelling'],
  ['requires_action', 'cancelling'],
  ['cancelling', 'cancelled'],
  ['requires_action', 'expired'],
  ['in_progress', 'expired'],
  ['queued', 'expired'],
];

describe('run state machine', () => {
  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    ['queued', 'completed'],
    ['queued', 'requires_action'],
    ['requires_action', 'completed'],
    ['requires_action', 'in_progress'],
    ['cancelling', 'completed'],
    ['cancelling', 'expired'],
    ['in_progress', 'queued'],
    ['in_progress', 'cancelled'],
  ] as [RunStatus, RunStatus][])('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('has no way out of a terminal status', () => {
    for (const from of TERMINAL_STATUSES) for (const to of RUN_STATUSES) expect(canTransition(from, to)).toBe(false);
  });

  it('classifies statuses the way the thread lock, the pollers and the streams need', () => {
    expect(RUN_STATUSES.filter(isActive)).toEqual(['queued', 'in_progress', 'requires_action', 'cancelling']);
    expect(RUN_STATUSES.filter(isTerminal)).toEqual(['cancelled', 'failed', 'completed', 'incomplete', 'expired']);
    expect(RUN_STATUSES.filter(isSettled)).toEqual(['requires_action', 'cancelled', 'failed', 'completed', 'incomplete', 'expired']);
    expect(() => assertTransition('nonsense', 'queued')).toThrow(IllegalTransitionError);
  });
});
