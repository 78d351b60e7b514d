/**
 * Candidate numbers for a merged number or integer schema, best first: the lowest allowed value near
 * 1 (what the generator has always given), then others inside the bounds (for uniqueItems variants
 * and the seeded fallback). The generator keeps the first one the schema accepts.
 */
import type { Random } from '../../util/prng.js';
import type { Schema } from './schema.js';

export function numberCandidates(schema: Schema, integer: boolean, variant: number, random: Random, randomMode: boolean): number[] {
  const { low, high } = bounds(schema, integer);
  const step = schema.multipleOf ?? (integer ? 1 : low !== undefined && high !== undefined ? (high - low) / 64 || 1 : 1);
  let start = low ?? (high !== undefined ? Math.min(1, high) : 1);
  if (integer) start = Math.ceil(start);
  const snapped = (x: number) => snap(x, schema.multipleOf, integer);
  const out: number[] = [];
  if (randomMode) {
    const lo = low ?? (high !== undefined ? high - 200 : -100);
    const hi = high ?? lo + 200;
    for (let i = 0; i < 8; i++) out.push(snapped(lo + random() * (hi - lo)));
  }
  const first = snapped(start);
  out.push(first + variant * step, first - variant * step);
  if (schema.multipleOf) out.push(snap(start, schema.multipleOf, integer, 'up'), snap(high ?? start, schema.multipleOf, integer, 'down'));
  if (low !== undefined && high !== undefined)
    out.push(snapped(low + ((high - low) * (variant + 1)) / (variant + 2)), snapped((low + high) / 2));
  if (high !== undefined) out.push(integer ? Math.floor(high) : high);
  out.push(0, 1, -1);
  return out.map(tidy).filter((n) => Number.isFinite(n) && (!integer || Number.isInteger(n)));
}

/** The closed interval the value must lie in (exclusive bounds moved inwards a little). */
function bounds(schema: Schema, integer: boolean): { low?: number; high?: number } {
  const nudge = (x: number, up: boolean) =>
    integer ? (up ? Math.floor(x) + 1 : Math.ceil(x) - 1) : x + (up ? 1 : -1) * Math.max(Math.abs(x) * 1e-9, 1e-6);
  let low = schema.minimum;
  if (schema.exclusiveMinimum !== undefined && (low === undefined || schema.exclusiveMinimum >= low))
    low = nudge(schema.exclusiveMinimum, true);
  let high = schema.maximum;
  if (schema.exclusiveMaximum !== undefined && (high === undefined || schema.exclusiveMaximum <= high))
    high = nudge(schema.exclusiveMaximum, false);
  if (!integer && low !== undefined && high !== undefined && low > high) {
    // A very narrow open interval: its middle.
    const mid = ((schema.exclusiveMinimum ?? schema.minimum ?? 0) + (schema.exclusiveMaximum ?? schema.maximum ?? 0)) / 2;
    return { low: mid, high: mid };
  }
  return { low, high };
}

/** The nearest multiple of `multipleOf` (and integer when asked), rounding as told. */
function snap(x: number, multipleOf: number | undefined, integer: boolean, direction: 'up' | 'down' | 'near' = 'up'): number {
  const round = direction === 'up' ? Math.ceil : direction === 'down' ? Math.floor : Math.round;
  let value = integer ? round(x) : x;
  if (multipleOf) value = tidy(round(value / multipleOf) * multipleOf);
  return value;
}

/** Float noise away (0.30000000000000004 -> 0.3): a multiple stays a multiple for validators. */
function tidy(n: number): number {
  return Number(n.toPrecision(12));
}
