/**
 * One pass of value generation over a root schema. A value is generated for a list of parts that
 * must all hold (the schema at a pointer, plus what allOf and $ref add); at every choice the
 * candidates are tried in order and the first one the validator accepts for those parts is kept:
 * sample strings, anyOf branches, enum values, numbers, types. In the seeded random mode (the
 * fallback) the candidate orders are shuffled and drawn values come first.
 */
import type { Random } from '../../util/prng.js';
import { numberCandidates } from './numbers.js';
import {
  childPointer,
  isSchemaObject,
  mergeParts,
  resolvePointer,
  stableStringify,
  type Merged,
  type Part,
  type Schema,
} from './schema.js';
import { stringCandidates } from './strings.js';
import type { SchemaValidator } from './validator.js';

/** Past this depth recursive schemas take their shortest way out (null branches, fewest items). */
const SOFT_DEPTH = 8;
/** Past this depth generation stops (null): only a schema with no way out gets here. */
const HARD_DEPTH = 40;
/** A `$ref` followed this often on one path is recursion: take the shortest way out from there. */
const RECURSION_LIMIT = 2;
/** $ref and allOf expansions of one list of parts (a schema that refers to itself in a loop). */
const MAX_EXPANSIONS = 64;
/** Attempts at a distinct array item when uniqueItems is set. */
const UNIQUE_TRIES = 12;
/** $refs followed on one path: a recursion with no way out ends here (with null). */
const MAX_REFS = 64;

/**
 * How many values (of any depth) the passes over one schema may still generate. Branches that fail
 * are retried with the next one, so a pathological schema (nested unsatisfiable anyOfs) could take
 * exponential time; past the budget every value is null and the caller keeps its best effort.
 */
export interface Budget {
  left: number;
}

interface State {
  depth: number;
  /** The $refs followed on the way here. */
  refs: readonly string[];
  /** > 0: give a different value than variant 0 would (uniqueItems). */
  variant: number;
  /** Take the shortest way out: null branches first, only required properties, fewest items. */
  minimal: boolean;
}

const TYPE_ORDER = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'];

export class ValueGenerator {
  constructor(
    private readonly root: Schema,
    private readonly validator: SchemaValidator,
    private readonly random: Random,
    private readonly randomMode: boolean,
    private readonly budget: Budget,
  ) {}

  generate(name: string): unknown {
    return this.value([{ schema: this.root, pointer: '' }], name, { depth: 0, refs: [], variant: 0, minimal: false });
  }

  private value(parts: Part[], name: string, state: State): unknown {
    if (state.depth > HARD_DEPTH || state.refs.length > MAX_REFS || --this.budget.left < 0) return null;
    const expanded = this.expand(parts, state);
    const flat = expanded.parts;
    const inner = expanded.state;
    const pointers = flat.map((p) => p.pointer);
    const choice = flat.find(
      (p) => (Array.isArray(p.schema.anyOf) && p.schema.anyOf.length > 0) || (Array.isArray(p.schema.oneOf) && p.schema.oneOf.length > 0),
    );
    if (choice) return this.chooseBranch(flat, choice, name, inner, pointers);
    const merged = mergeParts(flat);
    const accept = (candidate: unknown) => this.validator.check(pointers, candidate);

    if (merged.const !== undefined) return merged.const;
    if (merged.enum !== undefined && merged.enum.length > 0) {
      const ordered = this.order(rotate(merged.enum, inner.variant));
      return ordered.find(accept) ?? ordered[0];
    }
    const candidates: unknown[] = [];
    for (const type of this.typesOf(merged, inner)) {
      const candidate = this.ofType(type, merged, name, inner, accept);
      if (accept(candidate)) return candidate;
      candidates.push(candidate);
    }
    return candidates[0] ?? null;
  }

  /** Follows $refs and splits allOf until no part has either; records the refs followed. */
  private expand(parts: Part[], state: State): { parts: Part[]; state: State } {
    const queue = [...parts];
    const out: Part[] = [];
    let refs = state.refs;
    let minimal = state.minimal || state.depth >= SOFT_DEPTH;
    let expansions = 0;
    while (queue.length > 0) {
      const part = queue.shift()!;
      const { $ref, allOf, ...rest } = part.schema;
      if (expansions < MAX_EXPANSIONS && typeof $ref === 'string') {
        expansions++;
        const target = resolvePointer(this.root, $ref);
        if (refs.filter((r) => r === $ref).length >= RECURSION_LIMIT) minimal = true;
        refs = [...refs, $ref];
        queue.push({ schema: { ...rest, ...(allOf ? { allOf } : {}) }, pointer: part.pointer });
        if (target) queue.push(target);
        continue;
      }
      if (expansions < MAX_EXPANSIONS && Array.isArray(allOf)) {
        expansions++;
        queue.push({ schema: rest, pointer: part.pointer });
        allOf.forEach((sub, i) => {
          if (isSchemaObject(sub)) queue.push({ schema: sub, pointer: childPointer(part.pointer, 'allOf', i) });
        });
        continue;
      }
      out.push({ schema: rest, pointer: part.pointer });
    }
    return { parts: out, state: { ...state, refs, minimal } };
  }

  /** anyOf / oneOf: the first branch whose value satisfies every part (oneOf: exactly one branch). */
  private chooseBranch(flat: Part[], choice: Part, name: string, state: State, pointers: string[]): unknown {
    const key = Array.isArray(choice.schema.anyOf) && choice.schema.anyOf.length > 0 ? 'anyOf' : 'oneOf';
    const { [key]: list, ...rest } = choice.schema;
    const branches = (list as unknown[])
      .map((b, i) => ({ schema: b, pointer: childPointer(choice.pointer, key, i) }))
      .filter((b): b is Part => isSchemaObject(b.schema));
    const others = flat.map((p) => (p === choice ? { schema: rest, pointer: p.pointer } : p));
    const isNull = (b: Part) => b.schema.type === 'null';
    const refersOut = (b: Part) => stableStringify(b.schema).includes('"$ref"');
    let ordered = [...branches.filter((b) => !isNull(b)), ...branches.filter(isNull)];
    if (state.minimal)
      ordered = [
        ...branches.filter(isNull),
        ...branches.filter((b) => !isNull(b) && !refersOut(b)),
        ...branches.filter((b) => !isNull(b) && refersOut(b)),
      ];
    ordered = this.order(ordered);
    let first: unknown;
    for (const [i, branch] of ordered.entries()) {
      if (this.budget.left <= 0) break;
      const candidate = this.value([...others, branch], name, state);
      if (this.validator.check(pointers, candidate)) return candidate;
      if (i === 0) first = candidate;
    }
    return first ?? null;
  }

  /** The types to try, best first: the declared (or implied) ones, null last unless on the way out. */
  private typesOf(merged: Merged, state: State): string[] {
    let types = merged.types;
    if (types === undefined) {
      if (merged.properties || merged.required || merged.additionalParts.length > 0) types = ['object'];
      else if (merged.itemParts.length > 0 || merged.restItemParts.length > 0 || merged.minItems !== undefined) types = ['array'];
      else if (merged.minimum !== undefined || merged.maximum !== undefined || merged.multipleOf !== undefined) types = ['number'];
      else types = ['string'];
    }
    const sorted = [...new Set(types)].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
    const nonNull = sorted.filter((t) => t !== 'null');
    const ordered = state.minimal && sorted.includes('null') ? ['null', ...nonNull] : [...nonNull, ...sorted.filter((t) => t === 'null')];
    return this.order(ordered);
  }

  private ofType(type: string, merged: Merged, name: string, state: State, accept: (v: unknown) => boolean): unknown {
    switch (type) {
      case 'object':
        return this.object(merged, state);
      case 'array':
        return this.array(merged, name, state);
      case 'integer':
      case 'number': {
        const list = numberCandidates(merged, type === 'integer', state.variant, this.random, this.randomMode);
        return list.find(accept) ?? list[0];
      }
      case 'boolean':
        return this.order(rotate([true, false], state.variant))[0];
      case 'null':
        return null;
      default: {
        const list = stringCandidates(merged, name, state.variant, this.random, this.randomMode);
        return list.find(accept) ?? list[0];
      }
    }
  }

  /** The required properties (every one when nothing is required), as a model mostly answers. */
  private object(merged: Merged, state: State): Record<string, unknown> {
    const declared = [...merged.propertyParts.keys()];
    const keys = merged.required ?? (state.minimal ? [] : declared);
    const chosen = [...new Set(keys)];
    for (const key of declared) if (chosen.length < (merged.minProperties ?? 0) && !chosen.includes(key)) chosen.push(key);
    const out: Record<string, unknown> = {};
    for (const key of chosen) {
      const parts = merged.propertyParts.get(key) ?? merged.additionalParts;
      out[key] = this.value(parts, key, { ...state, depth: state.depth + 1 });
    }
    return out;
  }

  private array(merged: Merged, name: string, state: State): unknown[] {
    const tuple = merged.itemParts.length;
    const least = merged.minItems ?? (state.minimal ? 0 : 1);
    let count = state.minimal ? least : Math.max(least, tuple);
    if (this.randomMode) count += Math.floor(this.random() * 3);
    if (merged.maxItems !== undefined) count = Math.min(count, merged.maxItems);
    const items: unknown[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const parts = merged.itemParts[i] ?? merged.restItemParts;
      let item: unknown;
      for (let attempt = 0; attempt < (merged.uniqueItems ? UNIQUE_TRIES : 1); attempt++) {
        // Items differ from each other only where they must (uniqueItems): else each is the best value.
        const variant = merged.uniqueItems ? state.variant + i + attempt * count : state.variant;
        item = this.value(parts, name, { ...state, depth: state.depth + 1, variant });
        if (!seen.has(stableStringify(item))) break;
      }
      seen.add(stableStringify(item));
      items.push(item);
    }
    return items;
  }

  /** Candidates as given, or shuffled by the seeded PRNG in random mode. */
  private order<T>(list: T[]): T[] {
    if (!this.randomMode) return list;
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

function rotate<T>(list: T[], by: number): T[] {
  if (list.length === 0) return list;
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
