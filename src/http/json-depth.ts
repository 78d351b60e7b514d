/**
 * How deeply a JSON text nests, measured on the text before it is parsed. A body nested some
 * thousands of levels deep parsed fine but overflowed the stack of every recursive walk after it
 * (validation, saving, the journal's copy): a 500, or a request missing from the journal. One pass
 * over the characters, no recursion, so any body the size limit lets in is measured safely.
 */

/** Objects and arrays inside one another, at most. Real schemas and messages nest a few levels. */
export const MAX_JSON_DEPTH = 256;

/** True when `text` opens more than `max` objects or arrays inside one another (strings are skipped). */
export function nestsDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
