/**
 * One tenant's journal entries, kept as bytes in a few large Buffers rather than as objects.
 *
 * Why: the journal keeps the last 1000 requests of each tenant, so every entry outlived a young-generation
 * collection. Kept as objects (the entry, Node's headers object and its strings, the parsed body, the
 * answer) each of them was copied twice (to the survivor space, then to the old one) and then waited
 * for a full collection to go: on a thread retrieve a sixth of the server's CPU, on a message create a
 * tenth (bench/http.ts with the journal switched off; docs/benchmarks.md). Written into chunks, an entry
 * leaves one number behind, its place (tenant-local, so dropping a tenant's oldest entries frees its
 * oldest chunks in order), and the answer's text: that one string is kept as it is, not copied, since
 * it is often already old (a list page the store keeps, src/store/message-pages.ts) and may be large.
 * Reading an entry decodes it: the journal is read rarely.
 *
 * Layout of an entry (little-endian), then its texts in UTF-8, one after the other:
 *   0  f64 arrival number     8  f64 timestamp        16 f64 duration_ms
 *   24 u16 status             26 u16 flags            28 u32 run's first turn
 *   32 u32 length of: id, method, url, headers (JSON), body, stream summary (JSON), run id (7 x 4 bytes)
 */
import type { StreamSummary } from '../streaming/stream-summary.js';

/** What the journal is given for each request (src/admin/requests.ts builds it). */
export interface RecordedRequest {
  id: string;
  method: string;
  /** Path and query string, as received. */
  url: string;
  /** Node's request headers object (credentials are redacted when the journal is read). */
  headers: Record<string, string | string[] | undefined>;
  /** The JSON text of the body as it arrived; undefined for no body, one that is not JSON, or one left out. */
  body?: string;
  body_truncated: boolean;
  /** The answer as Fastify serialized it, or the summary of a stream; undefined for no body or one left out. */
  response?: string | StreamSummary;
  response_truncated?: boolean;
  status: number;
  duration_ms: number;
  timestamp: number;
  /** Set for requests that created or resumed a run. */
  run?: { runId: string; fromTurn: number };
}

/** A kept entry read back: what was recorded, with its arrival number. */
export interface KeptRequest extends Omit<RecordedRequest, 'headers' | 'response'> {
  seq: number;
  headers: Record<string, string | string[]>;
  /** A text answer as it was sent, or a stream's summary as a plain object. */
  response?: string | StreamSummarySnapshot;
}

/** A StreamSummary's fields, as the journal shows them. */
export interface StreamSummarySnapshot {
  object: 'mock.stream_summary';
  events: number;
  sequence: { event: string; count: number }[];
  sequence_truncated: boolean;
}

const BODY_TRUNCATED = 1;
const RESPONSE_TRUNCATED = 2;
/** The response is a StreamSummary, written as JSON (a text answer is kept by reference). */
const STREAM_RESPONSE = 4;
const HAS_BODY = 8;
const HAS_RESPONSE = 16;
const HAS_RUN = 32;

const HEADER_BYTES = 60;
const TEXTS = 7;
/** A tenant's first chunk; each next one doubles, up to the largest. Few requests, little memory. */
const FIRST_CHUNK_BYTES = 4 * 1024;
const LARGEST_CHUNK_BYTES = 64 * 1024;
/** A place is chunk number * CHUNK_SPAN + offset: chunks never exceed it (an entry is at most ~250 KiB). */
const CHUNK_SPAN = 2 ** 24;
/** Spare chunks kept for reuse, all tenants together (4 MiB). */
const SPARE_CHUNKS = 64;

/**
 * Full-size chunks let go by dropped entries, for the next ones needed, shared by a journal's tenants.
 * A tenant at its capacity frees and needs chunks at the same pace; a new Buffer each time made V8
 * run a full collection every couple of seconds under load (the Buffers lived long enough to be old,
 * and only a full collection gives an old Buffer's memory back).
 */
export class SpareChunks {
  private readonly chunks: Buffer[] = [];

  give(chunk: Buffer): void {
    if (chunk.length === LARGEST_CHUNK_BYTES && this.chunks.length < SPARE_CHUNKS) this.chunks.push(chunk);
  }

  take(): Buffer | undefined {
    return this.chunks.pop();
  }

  /** How many are kept now (for tests). */
  get count(): number {
    return this.chunks.length;
  }
}

export class TenantLog {
  /** Oldest first; chunks[0] is chunk number `firstChunk`. */
  private readonly chunks: Buffer[] = [];
  private firstChunk = 0;
  /** Where the next entry goes in the last chunk. */
  private writeAt = 0;
  /** The place of each entry, oldest first (numbers: no object per entry). */
  private readonly places: number[] = [];
  /** The text answer of each entry, as it was sent (undefined for none or a stream). */
  private readonly responses: (string | undefined)[] = [];

  constructor(private readonly spares: SpareChunks) {}

  get length(): number {
    return this.places.length;
  }

  /** Writes the entry; returns its size in bytes (the answer's text counted in). */
  append(request: RecordedRequest, seq: number): number {
    const { response, run } = request;
    const text = typeof response === 'string' ? response : undefined;
    const stream = response !== undefined && text === undefined;
    const texts = [
      request.id,
      request.method,
      request.url,
      JSON.stringify(request.headers),
      request.body ?? '',
      stream ? JSON.stringify(response) : '',
      run?.runId ?? '',
    ];
    let bound = HEADER_BYTES;
    for (const text of texts) bound += text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    const chunk = this.room(bound);
    const start = this.writeAt;
    let at = start + HEADER_BYTES;
    for (let i = 0; i < TEXTS; i++) {
      const written = texts[i].length === 0 ? 0 : chunk.write(texts[i], at);
      chunk.writeUInt32LE(written, start + 32 + 4 * i);
      at += written;
    }
    chunk.writeDoubleLE(seq, start);
    chunk.writeDoubleLE(request.timestamp, start + 8);
    chunk.writeDoubleLE(request.duration_ms, start + 16);
    chunk.writeUInt16LE(request.status, start + 24);
    chunk.writeUInt16LE(
      (request.body_truncated ? BODY_TRUNCATED : 0) |
        (request.response_truncated ? RESPONSE_TRUNCATED : 0) |
        (stream ? STREAM_RESPONSE : 0) |
        (request.body !== undefined ? HAS_BODY : 0) |
        (response !== undefined ? HAS_RESPONSE : 0) |
        (run !== undefined ? HAS_RUN : 0),
      start + 26,
    );
    chunk.writeUInt32LE(run?.fromTurn ?? 0, start + 28);
    this.places.push((this.firstChunk + this.chunks.length - 1) * CHUNK_SPAN + start);
    this.responses.push(text);
    this.writeAt = at;
    return at - start + (text?.length ?? 0);
  }

  /** The arrival number of entry `index` (0 = oldest). */
  seqAt(index: number): number {
    const [chunk, start] = this.locate(index);
    return chunk.readDoubleLE(start);
  }

  /** The size in bytes of entry `index`, the answer's text counted in. */
  sizeAt(index: number): number {
    const [chunk, start] = this.locate(index);
    let size = HEADER_BYTES + (this.responses[index]?.length ?? 0);
    for (let i = 0; i < TEXTS; i++) size += chunk.readUInt32LE(start + 32 + 4 * i);
    return size;
  }

  /** Entry `index` decoded. */
  read(index: number): KeptRequest {
    const [chunk, start] = this.locate(index);
    const texts: string[] = [];
    let at = start + HEADER_BYTES;
    for (let i = 0; i < TEXTS; i++) {
      const length = chunk.readUInt32LE(start + 32 + 4 * i);
      texts.push(chunk.toString('utf8', at, at + length));
      at += length;
    }
    const [id, method, url, headers, body, response, runId] = texts;
    const flags = chunk.readUInt16LE(start + 26);
    return {
      seq: chunk.readDoubleLE(start),
      id,
      method,
      url,
      headers: JSON.parse(headers) as Record<string, string | string[]>,
      body: flags & HAS_BODY ? body : undefined,
      body_truncated: (flags & BODY_TRUNCATED) !== 0,
      response: !(flags & HAS_RESPONSE)
        ? undefined
        : flags & STREAM_RESPONSE
          ? (JSON.parse(response) as StreamSummarySnapshot)
          : this.responses[index],
      response_truncated: (flags & RESPONSE_TRUNCATED) !== 0,
      status: chunk.readUInt16LE(start + 24),
      duration_ms: chunk.readDoubleLE(start + 16),
      timestamp: chunk.readDoubleLE(start + 8),
      run: flags & HAS_RUN ? { runId, fromTurn: chunk.readUInt32LE(start + 28) } : undefined,
    };
  }

  /** Forgets the `count` oldest entries; returns their bytes. Chunks left with no entry are let go. */
  dropOldest(count: number): number {
    let bytes = 0;
    for (let i = 0; i < count && i < this.places.length; i++) bytes += this.sizeAt(i);
    this.places.splice(0, count);
    this.responses.splice(0, count);
    const keepFrom = this.places.length > 0 ? Math.floor(this.places[0] / CHUNK_SPAN) : this.firstChunk + this.chunks.length;
    if (this.places.length === 0) {
      // Nothing left: the last chunk goes too, and writing starts over in a new one.
      for (const chunk of this.chunks) this.spares.give(chunk);
      this.chunks.length = 0;
      this.firstChunk = keepFrom;
      this.writeAt = 0;
    } else if (keepFrom > this.firstChunk) {
      for (const chunk of this.chunks.splice(0, keepFrom - this.firstChunk)) this.spares.give(chunk);
      this.firstChunk = keepFrom;
    }
    return bytes;
  }

  private locate(index: number): [Buffer, number] {
    const place = this.places[index];
    const chunkNumber = Math.floor(place / CHUNK_SPAN);
    return [this.chunks[chunkNumber - this.firstChunk], place - chunkNumber * CHUNK_SPAN];
  }

  /** The chunk the next entry, of at most `bound` bytes, goes into: the last one, or a new one. */
  private room(bound: number): Buffer {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && this.writeAt + bound <= last.length) return last;
    const grown = last === undefined ? FIRST_CHUNK_BYTES : Math.min(LARGEST_CHUNK_BYTES, last.length * 2);
    // allocUnsafe: every byte an entry is read from was written first.
    const spare = grown === LARGEST_CHUNK_BYTES && bound <= LARGEST_CHUNK_BYTES ? this.spares.take() : undefined;
    const chunk = spare ?? Buffer.allocUnsafe(Math.max(grown, bound));
    this.chunks.push(chunk);
    this.writeAt = 0;
    return chunk;
  }
}
