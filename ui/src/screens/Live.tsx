/**
 * What happens now: the run event feed (GET /__admin/events, Server-Sent Events) and the request
 * journal (GET /__admin/requests, polled), each with filters. Both follow the tenant of the API key
 * the page uses, so pointing the page at a test suite's key shows that suite while it runs.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, errorText, stream } from '../lib/api';
import { pretty, timeMs } from '../lib/format';
import type { AnsweredBy, StreamSummary } from '../lib/types';
import { answeredByText } from './RunDetails';

interface FeedEvent {
  n: number;
  at: number;
  event: string;
  threadId: string;
  runId: string;
  data: string;
}

interface JournalEntry {
  id: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  body_truncated: boolean;
  /** The parsed answer (errors too), a text answer as a string, a stream's summary, or null. */
  response_body: unknown;
  response_body_truncated: boolean;
  status: number;
  duration_ms: number;
  timestamp: number;
  /** The run a request created or resumed, and who answered its turn. */
  run_id: string | null;
  answered_by: AnsweredBy | null;
}

function isStreamSummary(body: unknown): body is StreamSummary {
  return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'mock.stream_summary';
}

/** A stream's events in order, repeats counted: "thread.created, thread.message.delta ×6, done". */
function streamText(summary: StreamSummary): string {
  const items = summary.sequence.map((item) => (item.count > 1 ? `${item.event} ×${item.count}` : item.event));
  return `stream of ${summary.events} events: ${items.join(', ')}${summary.sequence_truncated ? ', …' : ''}`;
}

function bodyText(body: unknown, truncated: boolean): string {
  if (truncated) return '(over 64 KiB: not kept)';
  if (body === null || body === undefined) return '(no body)';
  if (isStreamSummary(body)) return streamText(body);
  return typeof body === 'string' ? body : pretty(body);
}

/** Kept on screen; older events scroll away. */
const MAX_EVENTS = 500;
const JOURNAL_POLL_MS = 1000;

export function Live() {
  return (
    <div class="split">
      <EventFeed />
      <Journal />
    </div>
  );
}

type Owner = { threadId: string; runId: string };

/**
 * The thread and run an event belongs to, from its object. Delta events carry only the id of the
 * message or step they change, so the owners seen in earlier events are remembered by id.
 */
function ownerOf(data: Record<string, unknown>, owners: Map<string, Owner>): Owner {
  const object = String(data.object ?? '');
  const id = String(data.id ?? '');
  if (object.endsWith('.delta')) return owners.get(id) ?? { threadId: '', runId: '' };
  const threadId = String(data.thread_id ?? (object === 'thread' ? id : ''));
  const runId = String(data.run_id ?? (object === 'thread.run' ? id : ''));
  if (id) owners.set(id, { threadId, runId });
  return { threadId, runId };
}

function EventFeed() {
  const [threadFilter, setThreadFilter] = useState('');
  const [runFilter, setRunFilter] = useState('');
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [state, setState] = useState('connecting');

  useEffect(() => {
    const controller = new AbortController();
    const query = new URLSearchParams();
    if (threadFilter) query.set('thread_id', threadFilter);
    if (runFilter) query.set('run_id', runFilter);
    let n = 0;
    const owners = new Map<string, Owner>();
    // A new filter starts a new feed: the list shows what the filter lets through.
    setEvents([]);
    setState('connecting');
    (async () => {
      try {
        const frames = stream(`/__admin/events?${query}`, { signal: controller.signal, onOpen: () => setState('connected') });
        for await (const frame of frames) {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(frame.data) as Record<string, unknown>;
          } catch {
            // not JSON: shown as sent
          }
          const entry: FeedEvent = { n: ++n, at: Date.now(), event: frame.event, data: frame.data, ...ownerOf(parsed, owners) };
          setEvents((list) => [entry, ...list].slice(0, MAX_EVENTS));
        }
        // A feed ended by a new filter is not news: the new one reports its own state.
        if (!controller.signal.aborted) setState('closed');
      } catch (e) {
        if (!controller.signal.aborted) setState(`error: ${errorText(e)}`);
      }
    })();
    return () => controller.abort();
  }, [threadFilter, runFilter]);

  return (
    <section class="panel grow" aria-label="Event feed">
      <div class="toolbar">
        <h2>Events</h2>
        <span class="muted" role="status">
          feed {state}
        </span>
        <button type="button" class="secondary" onClick={() => setEvents([])}>
          Clear events
        </button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Thread id
          <input value={threadFilter} onChange={(e) => setThreadFilter(e.currentTarget.value.trim())} placeholder="thread_..." />
        </label>
        <label>
          Run id
          <input value={runFilter} onChange={(e) => setRunFilter(e.currentTarget.value.trim())} placeholder="run_..." />
        </label>
      </form>
      <ol class="feed" aria-label="Events" aria-live="off">
        {events.map((event) => (
          <li key={event.n} data-event={event.event}>
            <details>
              <summary>
                <time>{timeMs(event.at)}</time> <code>{event.event}</code> <span class="muted">{event.runId || event.threadId}</span>
              </summary>
              <pre class="code">{pretty(event.data)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Journal() {
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('');
  const [status, setStatus] = useState('');
  const [entries, setEntries] = useState<JournalEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) return;
    const query = new URLSearchParams({ limit: '200' });
    if (method) query.set('method', method);
    if (path) query.set('path', path);
    if (/^\d{3}$/.test(status)) query.set('status', status);
    let stopped = false;
    const poll = async () => {
      try {
        const page = await call<{ data: JournalEntry[] }>(`/__admin/requests?${query}`);
        if (!stopped) {
          setEntries(page.data);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(errorText(e));
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), JOURNAL_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [method, path, status, paused]);

  return (
    <section class="panel grow" aria-label="Request journal">
      <div class="toolbar">
        <h2>Requests</h2>
        <button type="button" class="secondary" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            void call('/__admin/requests', { method: 'DELETE' }).then(
              () => setEntries([]),
              (e: unknown) => setError(errorText(e)),
            )
          }
        >
          Empty journal
        </button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Method
          <select value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            {['', 'GET', 'POST', 'DELETE'].map((m) => (
              <option key={m} value={m}>
                {m || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Path
          <input value={path} onChange={(e) => setPath(e.currentTarget.value.trim())} placeholder="/v1/threads/*" />
        </label>
        <label>
          Status
          <input value={status} inputMode="numeric" onChange={(e) => setStatus(e.currentTarget.value.trim())} placeholder="200" />
        </label>
      </form>
      {error ? <p class="error">{error}</p> : null}
      <table class="journal">
        <caption class="visually-hidden">Request journal, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Method</th>
            <th scope="col">Path</th>
            <th scope="col">Status</th>
            <th scope="col">ms</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <JournalRow key={entry.id} entry={entry} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function JournalRow({ entry }: { entry: JournalEntry }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr class={entry.status >= 400 ? 'row-error' : ''}>
        <td>{timeMs(entry.timestamp)}</td>
        <td>{entry.method}</td>
        <td>
          <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {entry.path}
          </button>
        </td>
        <td>{entry.status}</td>
        <td>{entry.duration_ms}</td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={5}>
            <p class="muted">
              request {entry.id}; query {JSON.stringify(entry.query)}
              {entry.run_id ? `; run ${entry.run_id}` : ''}
              {entry.answered_by ? `; answered by ${answeredByText(entry.answered_by)}` : ''}
            </p>
            <p class="muted">Request body</p>
            <pre class="code" aria-label={`Request body of ${entry.id}`}>
              {bodyText(entry.body, entry.body_truncated)}
            </pre>
            <p class="muted">Response body ({entry.status})</p>
            <pre class="code" aria-label={`Response body of ${entry.id}`}>
              {bodyText(entry.response_body, entry.response_body_truncated)}
            </pre>
          </td>
        </tr>
      ) : null}
    </>
  );
}
