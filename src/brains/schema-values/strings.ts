/**
 * Candidate strings for a string schema, best first: a sample of its `format`, a plausible value for
 * the property's name, then strings drawn from its `pattern` (randexp, on the generator's seeded PRNG)
 * or from a plain alphabet. The generator keeps the first candidate the schema accepts.
 */
import type RandExpModule from 'randexp';
import { lazyRequire } from '../../util/lazy-require.js';
import type { Random } from '../../util/prng.js';
import type { Schema } from './schema.js';

// randexp is CommonJS: its class is module.exports, which TypeScript sees as the default's `default`.
// Loaded with the first pattern drawn from, not at start-up (src/util/lazy-require.ts).
type RandExpClass = typeof RandExpModule.default;
const randExpClass = lazyRequire<RandExpClass>('randexp');

/** One sample per format OpenAI's strict mode accepts (and a few more that Ajv knows). */
const FORMAT_SAMPLES: Record<string, string> = {
  date: '2024-01-01',
  'date-time': '2024-01-01T12:00:00Z',
  time: '12:00:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  uri: 'https://example.com',
  'uri-reference': 'https://example.com',
  iri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  regex: '.*',
  'json-pointer': '/example',
  'relative-json-pointer': '0',
};

/** Plausible values for common property names; anything else gets a neutral sample. */
const NAME_SAMPLES: [RegExp, string][] = [
  [/city|location|place|town/i, 'Paris'],
  [/country/i, 'France'],
  [/name/i, 'Alice'],
  [/query|search|question|text|prompt/i, 'example'],
  [/lang/i, 'en'],
  [/currency/i, 'EUR'],
];

/** How many strings are drawn from a pattern before giving up on it. */
const PATTERN_DRAWS = 24;

/**
 * The strings to try for `schema` (a merged string schema) as the value of property `name`.
 * `variant` > 0 asks for a different value than variant 0 (for uniqueItems); `random` for the
 * seeded fallback, which puts drawn strings first.
 */
export function stringCandidates(schema: Schema, name: string, variant: number, random: Random, randomMode: boolean): string[] {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength;
  const fit = (value: string) => fitLength(value, min, max);
  const samples: string[] = [];
  const format = schema.format !== undefined ? FORMAT_SAMPLES[schema.format] : undefined;
  if (format !== undefined) samples.push(...formatVariants(schema.format!, format, min, variant));
  const named = NAME_SAMPLES.find(([re]) => re.test(name))?.[1] ?? 'example';
  samples.push(fit(variant === 0 ? named : `${named} ${variant + 1}`));
  // A variant the schema refuses falls back to the plain samples (unique or not, a valid value).
  if (variant > 0) {
    if (format !== undefined) samples.push(...formatVariants(schema.format!, format, min, 0));
    samples.push(fit(named));
  }
  const drawn: string[] = [];
  for (const pattern of schema.patterns ?? []) drawn.push(...drawFromPattern(pattern, min, max, random));
  drawn.push(...drawPlain(min, max, variant, random));
  return randomMode ? [...drawn, ...samples] : [...samples, ...drawn];
}

/** Pads with 'x' or cuts to fit the length bounds (counted in code points, as JSON Schema does). */
function fitLength(value: string, min: number, max: number | undefined): string {
  const chars = Array.from(value);
  while (chars.length < min) chars.push('x');
  return (max !== undefined ? chars.slice(0, max) : chars).join('');
}

/** The format sample, and where a format allows it, a longer or varied form of it. */
function formatVariants(format: string, sample: string, min: number, variant: number): string[] {
  const pad = (n: number) => 'x'.repeat(Math.max(0, n));
  const suffix = variant > 0 ? String(variant + 1) : '';
  switch (format) {
    case 'email':
    case 'idn-email':
      return [`user${suffix}${pad(min - sample.length - suffix.length)}@example.com`];
    case 'hostname':
    case 'idn-hostname':
      return [`${pad(min - sample.length - suffix.length)}example${suffix}.com`];
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
      return [`https://example.com/${suffix}${pad(min - sample.length - 1 - suffix.length)}`.replace(/\/$/, '')];
    case 'date':
      return [`2024-01-${String((variant % 28) + 1).padStart(2, '0')}`];
    case 'date-time':
      return [`2024-01-${String((variant % 28) + 1).padStart(2, '0')}T12:00:00Z`];
    case 'uuid':
      return [`00000000-0000-4000-8000-${String(variant).padStart(12, '0')}`];
    case 'ipv4':
      return [`192.0.2.${(variant % 254) + 1}`];
    case 'time':
      return [`12:${String(Math.floor(variant / 60) % 60).padStart(2, '0')}:${String(variant % 60).padStart(2, '0')}Z`];
    default:
      return [variant > 0 ? `${sample}${suffix}` : sample];
  }
}

/** Strings drawn from a regular expression with the seeded PRNG (so the same seed draws the same). */
function drawFromPattern(pattern: string, min: number, max: number | undefined, random: Random): string[] {
  const RandExp = randExpClass();
  let generator: InstanceType<RandExpClass>;
  try {
    generator = new RandExp(new RegExp(pattern, 'u'));
  } catch {
    try {
      generator = new RandExp(pattern);
    } catch {
      return [];
    }
  }
  generator.randInt = (a: number, b: number) => a + Math.floor(random() * (b - a + 1));
  // Unbounded repetitions (`+`, `*`) stay short, within maxLength where there is one.
  generator.max = Math.max(1, Math.min(max ?? 8, Math.max(min, 8)));
  const out: string[] = [];
  for (let i = 0; i < PATTERN_DRAWS; i++) {
    const drawn = generator.gen();
    out.push(drawn);
    // A pattern without anchors also matches a string that merely contains the drawn part.
    if (drawn.length < min) out.push(fitLength(drawn, min, max));
  }
  return out;
}

/** Lower-case strings of an allowed length, different for each variant. */
function drawPlain(min: number, max: number | undefined, variant: number, random: Random): string[] {
  const length = Math.max(min, Math.min(max ?? 8, 8));
  const out: string[] = [];
  for (let i = 0; i < 4; i++) {
    let s = '';
    for (let j = 0; j < length; j++) s += String.fromCharCode(97 + Math.floor(random() * 26));
    out.push(s);
  }
  if (variant === 0 && length === 0) out.unshift('');
  return out;
}
