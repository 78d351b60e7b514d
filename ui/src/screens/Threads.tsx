/** Every thread of the tenant (GET /__admin/threads) with its messages and runs. */
import { useEffect, useState } from 'preact/hooks';
import { MessageView } from '../components/MessageView';
import { call, errorText, listAll, type List } from '../lib/api';
import { time } from '../lib/format';
import type { Message, Run, Thread } from '../lib/types';
import { RunDetails } from './RunDetails';

export function Threads() {
  const [threads, setThreads] = useState<Thread[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    listAll<Thread>('/__admin/threads').then(
      (list) => {
        setThreads(list);
        setSelected((current) => current ?? list[0]?.id ?? null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void load(), []);

  return (
    <div class="split">
      <nav class="panel" aria-label="Threads">
        <div class="toolbar">
          <h2>Threads</h2>
          <button type="button" class="secondary" onClick={() => void load()}>
            Refresh
          </button>
        </div>
        {error ? <p class="error">{error}</p> : null}
        {threads.length === 0 ? <p class="muted">No threads yet.</p> : null}
        <ul class="list">
          {threads.map((thread) => (
            <li key={thread.id}>
              <button type="button" class="link" aria-current={selected === thread.id} onClick={() => setSelected(thread.id)}>
                {thread.id}
              </button>
              <div class="muted">{time(thread.created_at)}</div>
            </li>
          ))}
        </ul>
      </nav>
      {selected ? <ThreadView key={selected} threadId={selected} /> : null}
    </div>
  );
}

function ThreadView({ threadId }: { threadId: string }) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [runs, setRuns] = useState<Run[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () => {
    call<List<Message>>(`/v1/threads/${threadId}/messages?order=asc&limit=100`).then(
      (p) => setMessages(p.data),
      (e: unknown) => setError(errorText(e)),
    );
    call<List<Run>>(`/v1/threads/${threadId}/runs?order=asc&limit=100`).then(
      (p) => setRuns(p.data),
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(load, [threadId]);

  return (
    <section class="panel grow" aria-label={`Thread ${threadId}`}>
      <div class="toolbar">
        <h2>Thread {threadId}</h2>
        <button type="button" class="secondary" onClick={load}>
          Refresh
        </button>
      </div>
      {error ? <p class="error">{error}</p> : null}
      <h3>Messages</h3>
      <div class="messages">
        {messages.map((message) => (
          <MessageView key={message.id} message={message} threadId={threadId} />
        ))}
      </div>
      <h3>Runs</h3>
      {runs.length === 0 ? <p class="muted">No runs.</p> : null}
      <ul class="list">
        {runs.map((run) => (
          <li key={run.id} class="run">
            <button type="button" class="link" aria-expanded={open === run.id} onClick={() => setOpen(open === run.id ? null : run.id)}>
              {run.id}
            </button>{' '}
            <span class={`badge status-${run.status}`}>{run.status}</span> <span class="muted">{time(run.created_at)}</span>
            {open === run.id ? <RunDetails threadId={threadId} run={run} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
