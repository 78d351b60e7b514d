/**
 * A small seedable pseudo-random generator (mulberry32). Faults with a `probability` draw from one,
 * so a test that gives a seed sees the same requests fail on every run.
 */
export type Random = () => number;

/** Numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for faults that were given none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000);
}
