/** The summary of a streamed answer that the request journal (src/admin/journal.ts) keeps instead of its bytes. */

/** Names in a stream summary's `sequence`; a stream with more runs of different events stops adding there. */
export const STREAM_SEQUENCE_LIMIT = 200;

/**
 * What the journal keeps of a streamed answer: which events it sent, how many of each, in order with
 * repeats counted (`thread.message.delta` x 40 is one item), not their data: a stream can be megabytes,
 * and its objects are in the API (GET the run, its steps, its messages). Bounded by STREAM_SEQUENCE_LIMIT.
 */
export class StreamSummary {
  readonly object = 'mock.stream_summary';
  events = 0;
  /** Consecutive events of one name as one item. */
  readonly sequence: { event: string; count: number }[] = [];
  /** True when `sequence` stopped at its limit (`events` still counts them all). */
  sequence_truncated = false;

  note(event: string): void {
    this.events++;
    const last = this.sequence[this.sequence.length - 1];
    if (last?.event === event) last.count++;
    else if (this.sequence.length < STREAM_SEQUENCE_LIMIT) this.sequence.push({ event, count: 1 });
    else this.sequence_truncated = true;
  }

  /** Its weight in the byte budget: names and counts. */
  get bytes(): number {
    return this.sequence.reduce((n, item) => n + item.event.length + 16, 64);
  }
}
