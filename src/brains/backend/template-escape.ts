/**
 * Scenario texts are Mustache templates, and a model's words may contain `{{`. A recorded text that
 * contains a tag opener starts with a set-delimiter tag (`{{=<% %>=}}`) whose delimiters do not occur
 * in it, so the replay renders it to exactly what the model said.
 */

const DELIMITERS: [string, string][] = [
  ['<%', '%>'],
  ['[[%', '%]]'],
  ['<<<', '>>>'],
  ['(%%', '%%)'],
];

export function literalTemplate(text: string): string {
  if (!text.includes('{{')) return text;
  for (const [open, close] of DELIMITERS) {
    if (!text.includes(open)) return `{{=${open} ${close}=}}${text}`;
  }
  // Every pair occurs in the text: one made from a character sequence it does not contain.
  let open = '<%~';
  while (text.includes(open)) open += '~';
  return `{{=${open} ${[...open].reverse().join('').replace('<', '>')}=}}${text}`;
}
