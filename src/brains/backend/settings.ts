/**
 * The model backend's settings: where it is (MODEL_BACKEND_URL), its key, which of its models answers
 * which run model (MODEL_MAP), how long it may stay silent, and where its turns are recorded
 * (RECORD_TO). Parsed once at start-up: a bad value stops the server with a message naming it.
 */

/** `gpt-4o=llama3.2:3b,*=qwen2.5:7b`: the run's model to the backend's; `*` stands for any other. */
export type ModelMap = ReadonlyMap<string, string>;

export interface BackendSettings {
  /** Base URL of a server that speaks Chat Completions, e.g. http://127.0.0.1:11434/v1. */
  url: string;
  /** Sent as `Authorization: Bearer <key>`; local servers need none. */
  key: string | undefined;
  modelMap: ModelMap;
  /** The backend may stay silent this long (before its answer starts, or between two chunks), in ms. */
  timeoutMs: number;
}

export const DEFAULT_BACKEND_TIMEOUT_MS = 120_000;

/** Parses MODEL_MAP; throws an Error naming the variable and the bad entry. */
export function parseModelMap(value: string | Record<string, string> | undefined): ModelMap {
  if (value === undefined) return new Map();
  const entries: [string, string][] =
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map((entry) => {
            const at = entry.indexOf('=');
            return at < 0 ? [entry, ''] : [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
          })
      : Object.entries(value);
  const map = new Map<string, string>();
  for (const [from, to] of entries) {
    if (!from || !to || typeof to !== 'string') {
      throw new Error(
        `MODEL_MAP must be a list of model=backend-model pairs (e.g. gpt-4o=llama3.2:3b,*=qwen2.5:7b), not '${String(value)}'.`,
      );
    }
    if (map.has(from)) throw new Error(`MODEL_MAP names '${from}' twice.`);
    map.set(from, to);
  }
  return map;
}

/** The backend's model for a run's model: its own entry, else `*`, else the run's model unchanged. */
export function backendModel(map: ModelMap, runModel: string): string {
  return map.get(runModel) ?? map.get('*') ?? runModel;
}

/** MODEL_MAP as it was written (for the banner). */
export function formatModelMap(map: ModelMap): string {
  return [...map].map(([from, to]) => `${from}=${to}`).join(',');
}

/** Checks MODEL_BACKEND_URL: an absolute http(s) URL, returned without a trailing slash. */
export function parseBackendUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`MODEL_BACKEND_URL must be an http(s) URL such as http://127.0.0.1:11434/v1, not '${value}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`MODEL_BACKEND_URL must be an http(s) URL such as http://127.0.0.1:11434/v1, not '${value}'.`);
  }
  return value.replace(/\/+$/, '');
}
