/**
 * New Ajv instances, with Ajv (and ajv-formats) loaded on the first one made rather than at start-up
 * (src/util/lazy-require.ts): request validators compile on their route's first request, scenario
 * and structured-output checks on their first use, so no answer before that needs Ajv.
 */
import type { Options } from 'ajv';
import { lazyRequire } from './lazy-require.js';

const ajvModule = lazyRequire<typeof import('ajv')>('ajv');
const formatsModule = lazyRequire<typeof import('ajv-formats')>('ajv-formats');

export type Ajv = InstanceType<ReturnType<typeof ajvModule>['default']>;

/** An Ajv instance with `options`, and ajv-formats' formats when `formats` is set. */
export function createAjv(options: Options, { formats }: { formats: boolean }): Ajv {
  const ajv = new (ajvModule().default)(options);
  if (formats) formatsModule().default(ajv);
  return ajv;
}
