/**
 * Create or edit an assistant: name, instructions, model, function tools with their JSON Schema,
 * file_search with uploaded files, response_format. JSON errors are shown next to their field.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, errorText } from '../lib/api';
import type { Assistant, FileObject, ResponseFormat, Tool } from '../lib/types';

interface FunctionDraft {
  name: string;
  description: string;
  parameters: string;
}

interface Draft {
  name: string;
  instructions: string;
  model: string;
  functions: FunctionDraft[];
  fileSearch: boolean;
  vectorStoreIds: string[];
  files: string[];
  format: 'auto' | 'text' | 'json_object' | 'json_schema';
  schemaName: string;
  schema: string;
}

const EMPTY_PARAMETERS = '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}';

export function emptyDraft(): Draft {
  return {
    name: '',
    instructions: '',
    model: 'gpt-4o',
    functions: [],
    fileSearch: false,
    vectorStoreIds: [],
    files: [],
    format: 'auto',
    schemaName: 'answer',
    schema: '{\n  "type": "object",\n  "properties": {}\n}',
  };
}

function draftOf(assistant: Assistant): Draft {
  const rf = assistant.response_format;
  const format = !rf || rf === 'auto' ? 'auto' : rf.type;
  return {
    name: assistant.name ?? '',
    instructions: assistant.instructions ?? '',
    model: assistant.model,
    functions: assistant.tools.flatMap((tool) =>
      tool.type === 'function'
        ? [
            {
              name: tool.function.name,
              description: tool.function.description ?? '',
              parameters: JSON.stringify(tool.function.parameters ?? {}, null, 2),
            },
          ]
        : [],
    ),
    fileSearch: assistant.tools.some((tool) => tool.type === 'file_search'),
    vectorStoreIds: assistant.tool_resources?.file_search?.vector_store_ids ?? [],
    files: [],
    format,
    schemaName: rf && rf !== 'auto' && rf.type === 'json_schema' ? rf.json_schema.name : 'answer',
    schema: rf && rf !== 'auto' && rf.type === 'json_schema' ? JSON.stringify(rf.json_schema.schema ?? {}, null, 2) : emptyDraft().schema,
  };
}

type Problems = Record<string, string>;

function parseJson(text: string, field: string, problems: Problems): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems[field] = 'must be a JSON object';
  } catch (error) {
    problems[field] = `invalid JSON: ${errorText(error)}`;
  }
  return undefined;
}

/** The request body, or the problems found in the form. */
function bodyOf(draft: Draft): { body?: Record<string, unknown>; problems: Problems } {
  const problems: Problems = {};
  const tools: Tool[] = draft.functions.map((fn, i) => {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) problems[`function-${i}-name`] = 'letters, digits, _ and -, at most 64';
    const parameters = parseJson(fn.parameters, `function-${i}-parameters`, problems);
    return { type: 'function', function: { name: fn.name, description: fn.description || undefined, parameters } };
  });
  if (draft.fileSearch) tools.push({ type: 'file_search' });
  let responseFormat: ResponseFormat = 'auto';
  if (draft.format === 'text' || draft.format === 'json_object') responseFormat = { type: draft.format };
  if (draft.format === 'json_schema') {
    const schema = parseJson(draft.schema, 'schema', problems);
    responseFormat = { type: 'json_schema', json_schema: { name: draft.schemaName || 'answer', schema } };
  }
  if (!draft.model.trim()) problems.model = 'a model is required';
  if (Object.keys(problems).length) return { problems };
  return {
    problems,
    body: {
      name: draft.name || null,
      instructions: draft.instructions || null,
      model: draft.model.trim(),
      tools,
      response_format: responseFormat,
      tool_resources: draft.fileSearch ? { file_search: { vector_store_ids: draft.vectorStoreIds } } : {},
    },
  };
}

export function AssistantForm(props: { assistant: Assistant | null; onSaved: (assistant: Assistant) => void }) {
  const { assistant, onSaved } = props;
  const [draft, setDraft] = useState<Draft>(assistant ? draftOf(assistant) : emptyDraft());
  const [problems, setProblems] = useState<Problems>({});
  const [status, setStatus] = useState<string>('');
  const [busy, setBusy] = useState(false);
  // The id this form just saved: choosing it afterwards keeps the "Saved" line.
  const savedId = useRef<string | null>(null);
  useEffect(() => {
    setDraft(assistant ? draftOf(assistant) : emptyDraft());
    setProblems({});
    if (!assistant || assistant.id !== savedId.current) setStatus('');
  }, [assistant?.id]);

  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const setFunction = (i: number, patch: Partial<FunctionDraft>) =>
    set({ functions: draft.functions.map((fn, j) => (j === i ? { ...fn, ...patch } : fn)) });

  const uploadFiles = async (input: HTMLInputElement) => {
    const chosen = Array.from(input.files ?? []);
    if (!chosen.length) return;
    setBusy(true);
    setStatus('Uploading…');
    try {
      const ids: string[] = [];
      for (const file of chosen) {
        const form = new FormData();
        form.append('purpose', 'assistants');
        form.append('file', file, file.name);
        ids.push((await call<FileObject>('/v1/files', { form })).id);
      }
      const store = await call<{ id: string }>('/v1/vector_stores', {
        body: { name: `playground ${chosen.map((f) => f.name).join(', ')}`, file_ids: ids },
      });
      setDraft((d) => ({
        ...d,
        fileSearch: true,
        vectorStoreIds: [...d.vectorStoreIds, store.id],
        files: [...d.files, ...chosen.map((f) => f.name)],
      }));
      setStatus(`Uploaded ${chosen.length} file(s) into vector store ${store.id}`);
    } catch (error) {
      setStatus(`Upload failed: ${errorText(error)}`);
    } finally {
      setBusy(false);
      input.value = '';
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const { body, problems: found } = bodyOf(draft);
    setProblems(found);
    if (!body) return setStatus('Fix the fields marked below.');
    setBusy(true);
    try {
      const saved = await call<Assistant>(assistant ? `/v1/assistants/${assistant.id}` : '/v1/assistants', { body });
      setStatus(`Saved ${saved.id}`);
      savedId.current = saved.id;
      onSaved(saved);
    } catch (error) {
      setStatus(`Not saved: ${errorText(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const problem = (key: string) =>
    problems[key] ? (
      <span class="error" id={`problem-${key}`} role="alert">
        {problems[key]}
      </span>
    ) : null;

  return (
    <form class="stack" onSubmit={save} aria-label="Assistant">
      <label>
        Name
        <input value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
      </label>
      <label>
        Instructions
        <textarea rows={3} value={draft.instructions} onInput={(e) => set({ instructions: e.currentTarget.value })} />
      </label>
      <label>
        Model
        <input value={draft.model} list="models" onInput={(e) => set({ model: e.currentTarget.value })} aria-invalid={!!problems.model} />
        <datalist id="models">
          {['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4-turbo', 'gpt-3.5-turbo'].map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        {problem('model')}
      </label>

      <fieldset>
        <legend>Function tools</legend>
        {draft.functions.map((fn, i) => (
          <div class="tool" key={i}>
            <label>
              Function name
              <input
                value={fn.name}
                onInput={(e) => setFunction(i, { name: e.currentTarget.value })}
                aria-invalid={!!problems[`function-${i}-name`]}
              />
              {problem(`function-${i}-name`)}
            </label>
            <label>
              Description
              <input value={fn.description} onInput={(e) => setFunction(i, { description: e.currentTarget.value })} />
            </label>
            <label>
              Parameters (JSON Schema)
              <textarea
                class="code"
                rows={6}
                value={fn.parameters}
                onInput={(e) => setFunction(i, { parameters: e.currentTarget.value })}
                aria-invalid={!!problems[`function-${i}-parameters`]}
              />
              {problem(`function-${i}-parameters`)}
            </label>
            <button type="button" class="secondary" onClick={() => set({ functions: draft.functions.filter((_, j) => j !== i) })}>
              Remove function {fn.name}
            </button>
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() => set({ functions: [...draft.functions, { name: '', description: '', parameters: EMPTY_PARAMETERS }] })}
        >
          Add function
        </button>
      </fieldset>

      <fieldset>
        <legend>File search</legend>
        <label class="inline">
          <input type="checkbox" checked={draft.fileSearch} onChange={(e) => set({ fileSearch: e.currentTarget.checked })} />
          Enable file_search
        </label>
        <label>
          Files for file_search
          <input type="file" multiple disabled={busy} onChange={(e) => void uploadFiles(e.currentTarget)} />
        </label>
        {draft.files.length ? <p class="muted">Uploaded: {draft.files.join(', ')}</p> : null}
        {draft.vectorStoreIds.length ? <p class="muted">Vector stores: {draft.vectorStoreIds.join(', ')}</p> : null}
      </fieldset>

      <fieldset>
        <legend>Response format</legend>
        <label>
          Response format
          <select value={draft.format} onChange={(e) => set({ format: e.currentTarget.value as Draft['format'] })}>
            <option value="auto">auto</option>
            <option value="text">text</option>
            <option value="json_object">json_object</option>
            <option value="json_schema">json_schema</option>
          </select>
        </label>
        {draft.format === 'json_schema' ? (
          <>
            <label>
              Schema name
              <input value={draft.schemaName} onInput={(e) => set({ schemaName: e.currentTarget.value })} />
            </label>
            <label>
              JSON Schema
              <textarea
                class="code"
                rows={6}
                value={draft.schema}
                onInput={(e) => set({ schema: e.currentTarget.value })}
                aria-invalid={!!problems.schema}
              />
              {problem('schema')}
            </label>
          </>
        ) : null}
      </fieldset>

      <button type="submit" disabled={busy}>
        {assistant ? 'Save assistant' : 'Create assistant'}
      </button>
      <p class="status" role="status">
        {status}
      </p>
    </form>
  );
}
