/**
 * What the "model" reads in a turn, and its size in tokens: the run's instructions, the thread's
 * messages (limited by truncation_strategy.last_messages) and the tool outputs of this run.
 */
import { countTokens, TOKENS_PER_MESSAGE } from '../brains/tokens.js';
import type { ToolOutputRecord } from '../brains/types.js';
import type { MessageRow, RunRow } from '../store/schema.js';

export function messageText(row: MessageRow): string {
  return (row.content as { type: string; text?: { value: string } }[])
    .filter((part) => part.type === 'text' && part.text)
    .map((part) => part.text!.value)
    .join('\n');
}

export function lastUserMessage(messages: MessageRow[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') return messageText(messages[i]);
  return '';
}

/** Messages the run may see: those before this run's own output, cut to `last_messages`. */
export function promptMessages(run: RunRow, messages: MessageRow[]): MessageRow[] {
  const strategy = run.truncationStrategy as { type?: string; last_messages?: number | null } | null;
  if (strategy?.type === 'last_messages' && strategy.last_messages) return messages.slice(-strategy.last_messages);
  return messages;
}

export function promptTokens(run: RunRow, messages: MessageRow[], toolOutputs: ToolOutputRecord[]): number {
  let total = countTokens(run.instructions) + TOKENS_PER_MESSAGE;
  for (const message of promptMessages(run, messages)) total += countTokens(messageText(message)) + TOKENS_PER_MESSAGE;
  for (const output of toolOutputs) total += countTokens(output.arguments ?? '') + countTokens(output.output) + TOKENS_PER_MESSAGE;
  return total;
}
