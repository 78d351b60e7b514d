// Types of scripts/bundle-options.mjs, for test/bundle.test.ts.
import type { BuildOptions } from 'esbuild';

export declare const LAZY_PACKAGES: readonly string[];
export declare const BUNDLE_OPTIONS: BuildOptions;
export declare const CLI_BUNDLE_OPTIONS: BuildOptions;
export declare const LAUNCHER_OPTIONS: BuildOptions;
