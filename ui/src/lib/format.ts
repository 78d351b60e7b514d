/** Small display helpers. */
export const time = (seconds: number | null | undefined): string =>
  seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z') : '';

export const timeMs = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}
