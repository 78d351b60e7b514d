/** The first screen: pick or create an assistant, then talk to it. */
import { useEffect, useState } from 'preact/hooks';
import { call, errorText, listAll } from '../lib/api';
import type { Assistant } from '../lib/types';
import { AssistantForm } from './AssistantForm';
import { Chat } from './Chat';

/** What a message sent before any assistant exists talks to. */
const DEFAULT_ASSISTANT = { name: 'Playground assistant', model: 'gpt-4o', instructions: 'You are a helpful assistant.' };

export function Playground() {
  const [assistants, setAssistants] = useState<Assistant[]>([]);
  const [selected, setSelected] = useState<Assistant | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listAll<Assistant>('/v1/assistants?order=desc').then(
      (list) => {
        setAssistants(list);
        setSelected((current) => current ?? list[0] ?? null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  const saved = (assistant: Assistant) => {
    setAssistants((list) => [assistant, ...list.filter((a) => a.id !== assistant.id)]);
    setSelected(assistant);
  };

  const ensureAssistant = async () => {
    if (selected) return selected;
    const created = await call<Assistant>('/v1/assistants', { body: DEFAULT_ASSISTANT });
    saved(created);
    return created;
  };

  return (
    <div class="playground">
      <aside class="panel" aria-label="Assistant settings">
        <div class="toolbar">
          <label class="grow">
            Assistant
            <select
              value={selected?.id ?? ''}
              onChange={(e) => setSelected(assistants.find((a) => a.id === e.currentTarget.value) ?? null)}
            >
              <option value="">New assistant…</option>
              {assistants.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name ?? '(unnamed)'} — {a.id}
                </option>
              ))}
            </select>
          </label>
        </div>
        {error ? <p class="error">{error}</p> : null}
        <AssistantForm assistant={selected} onSaved={saved} />
      </aside>
      <Chat assistant={selected} ensureAssistant={ensureAssistant} />
    </div>
  );
}
