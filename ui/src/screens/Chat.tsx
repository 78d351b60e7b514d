/**
 * The playground's conversation: a thread with the chosen assistant, replies streaming in as they
 * arrive, a form for the tool outputs a run requires, and files attached to a message.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { MessageView } from '../components/MessageView';
import { call, errorText, type List } from '../lib/api';
import { pretty } from '../lib/format';
import { playRunStream } from '../lib/run-stream';
import type { Assistant, FileObject, Message, Run, Thread } from '../lib/types';

interface Props {
  assistant: Assistant | null;
  /** The assistant to talk to: the chosen one, or a default one created now. */
  ensureAssistant(): Promise<Assistant>;
}

export function Chat({ assistant, ensureAssistant }: Props) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [run, setRun] = useState<Run | null>(null);
  const [text, setText] = useState('');
  const [attachments, setAttachments] = useState<FileObject[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const log = useRef<HTMLDivElement>(null);

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [messages]);

  const upsert = (message: Message) =>
    setMessages((list) => {
      const i = list.findIndex((m) => m.id === message.id);
      if (i < 0) return [...list, message];
      const next = [...list];
      next[i] = message;
      return next;
    });

  const play = async (path: string, body: Record<string, unknown>) => {
    await playRunStream(path, body, { message: upsert, run: setRun, error: (m) => setError(m) });
  };

  const send = async (event: Event) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const chosen = assistant ?? (await ensureAssistant());
      const current = thread ?? (await call<Thread>('/v1/threads', { body: {} }));
      if (!thread) setThread(current);
      const message = await call<Message>(`/v1/threads/${current.id}/messages`, {
        body: {
          role: 'user',
          content: text,
          attachments: attachments.map((file) => ({ file_id: file.id, tools: [{ type: 'file_search' }] })),
        },
      });
      upsert(message);
      setText('');
      setAttachments([]);
      await play(`/v1/threads/${current.id}/runs`, { assistant_id: chosen.id });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const submitOutputs = async (outputs: { tool_call_id: string; output: string }[]) => {
    if (!run || !thread) return;
    setBusy(true);
    setError(null);
    try {
      await play(`/v1/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, { tool_outputs: outputs });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const attach = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    setBusy(true);
    try {
      for (const file of files) {
        const form = new FormData();
        form.append('purpose', 'assistants');
        form.append('file', file, file.name);
        const uploaded = await call<FileObject>('/v1/files', { form });
        setAttachments((list) => [...list, uploaded]);
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      input.value = '';
    }
  };

  const newThread = () => {
    setThread(null);
    setMessages([]);
    setRun(null);
    setError(null);
  };

  const reload = async () => {
    if (!thread) return;
    const page = await call<List<Message>>(`/v1/threads/${thread.id}/messages?order=asc&limit=100`);
    setMessages(page.data);
  };

  return (
    <section class="chat" aria-label="Chat">
      <div class="toolbar">
        <span class="muted">{thread ? `Thread ${thread.id}` : 'A new thread starts with your first message'}</span>
        {run ? (
          <span class={`badge status-${run.status}`} data-testid="run-status">
            Run {run.id}: {run.status}
          </span>
        ) : null}
        <button type="button" class="secondary" onClick={newThread} disabled={busy}>
          New thread
        </button>
        {thread ? (
          <button type="button" class="secondary" onClick={() => void reload()} disabled={busy}>
            Reload messages
          </button>
        ) : null}
      </div>
      <div class="chat-log" ref={log} role="log" aria-live="polite" aria-label="Conversation">
        {messages.map((message) => (
          <MessageView key={message.id} message={message} threadId={thread?.id ?? ''} />
        ))}
      </div>
      {run?.status === 'requires_action' && run.required_action ? (
        <ToolOutputsForm run={run} busy={busy} onSubmit={(outputs) => void submitOutputs(outputs)} />
      ) : null}
      {run?.last_error ? (
        <p class="error" role="alert">
          Run {run.status}: {run.last_error.code}: {run.last_error.message}
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <form class="composer" onSubmit={send}>
        <label class="grow">
          Message
          <textarea
            rows={2}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Enter sends, Shift+Enter is a new line, as in most chat apps (not while an input method
              // is composing a character).
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) void send(e);
            }}
          />
        </label>
        <label>
          Attach files
          <input type="file" multiple disabled={busy} onChange={(e) => void attach(e.currentTarget)} />
        </label>
        <button type="submit" disabled={busy || !text.trim()}>
          Send
        </button>
      </form>
      {attachments.length ? <p class="muted">Attached (file_search): {attachments.map((f) => f.filename).join(', ')}</p> : null}
    </section>
  );
}

function ToolOutputsForm(props: { run: Run; busy: boolean; onSubmit(outputs: { tool_call_id: string; output: string }[]): void }) {
  const calls = props.run.required_action?.submit_tool_outputs.tool_calls ?? [];
  const [outputs, setOutputs] = useState<Record<string, string>>({});
  return (
    <form
      class="tool-outputs"
      aria-label="Tool outputs"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(calls.map((c) => ({ tool_call_id: c.id, output: outputs[c.id] ?? '' })));
      }}
    >
      <h3>The run needs tool outputs</h3>
      {calls.map((toolCall) => (
        <div class="tool-call" key={toolCall.id}>
          <p>
            <code>{toolCall.function?.name}</code> <span class="muted">({toolCall.id})</span>
          </p>
          <pre class="code" aria-label={`Arguments of ${toolCall.function?.name}`}>
            {pretty(toolCall.function?.arguments ?? '')}
          </pre>
          <label>
            Output of {toolCall.function?.name}
            <textarea
              rows={2}
              value={outputs[toolCall.id] ?? ''}
              onInput={(e) => setOutputs({ ...outputs, [toolCall.id]: e.currentTarget.value })}
            />
          </label>
        </div>
      ))}
      <button type="submit" disabled={props.busy}>
        Submit tool outputs
      </button>
    </form>
  );
}
