/**
 * Control of the tenant: scenarios (list, add or edit as YAML), faults (add, list, remove), the clock
 * (advance), manual runs (advance one step, or end them), and reset. Each calls the control API
 * described in docs/control-api.md.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, errorText } from '../lib/api';

export function Control() {
  return (
    <div class="grid">
      <Scenarios />
      <Faults />
      <Clock />
      <RunControl />
      <Reset />
    </div>
  );
}

interface Scenario {
  name: string;
  source: 'runtime' | 'file';
  file?: string;
  line?: number;
  /** Turns this rule answered (the listing counts them). */
  hits: number;
  [key: string]: unknown;
}

const EXAMPLE = `name: greeting
match:
  message: { contains: hello }
turns:
  - text: Hello from a scenario!
`;

function Scenarios() {
  const [list, setList] = useState<Scenario[]>([]);
  const [yaml, setYaml] = useState(EXAMPLE);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = () =>
    call<{ data: Scenario[] }>('/__admin/scenarios').then(
      (r) => setList(r.data),
      (e: unknown) => setProblem(errorText(e)),
    );
  useEffect(() => void load(), []);

  const save = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    let body: unknown;
    try {
      // The YAML parser is loaded on first use: the other screens do not need it.
      const { parse } = await import('yaml');
      body = parse(yaml) as unknown;
    } catch (e) {
      return setProblem(`YAML: ${errorText(e)}`);
    }
    if (!body || typeof body !== 'object') return setProblem('YAML: expected a scenario (a mapping) or {scenarios: [...]}');
    try {
      await call('/__admin/scenarios', { body });
      setProblem(null);
      setStatus('Saved.');
      await load();
    } catch (e) {
      setProblem(e instanceof ApiError && e.body.param ? `${e.body.param}: ${e.body.message}` : errorText(e));
    }
  };

  const edit = async (scenario: Scenario) => {
    const { source: _s, file: _f, line: _l, hits: _h, ...rule } = scenario;
    const { stringify } = await import('yaml');
    setYaml(stringify(rule));
    setProblem(null);
  };

  const remove = (name: string) =>
    call(`/__admin/scenarios/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(load, (e: unknown) => setProblem(errorText(e)));

  return (
    <section class="panel" aria-label="Scenarios">
      <h2>Scenarios</h2>
      {list.length === 0 ? <p class="muted">No scenarios: runs get the default replies.</p> : null}
      <ul class="list">
        {list.map((scenario) => (
          <li key={`${scenario.source}:${scenario.name}`}>
            <strong>{scenario.name}</strong> <span class="badge">{scenario.source}</span>
            <span class="muted" aria-label={`Hits of ${scenario.name}`}>
              {' '}
              {scenario.hits} {scenario.hits === 1 ? 'hit' : 'hits'}
            </span>
            {scenario.file ? (
              <span class="muted">
                {' '}
                {scenario.file}:{scenario.line}
              </span>
            ) : null}{' '}
            <button type="button" class="secondary" onClick={() => void edit(scenario)}>
              Edit {scenario.name}
            </button>
            {scenario.source === 'runtime' ? (
              <button type="button" class="secondary" onClick={() => void remove(scenario.name)}>
                Remove {scenario.name}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <form class="stack" onSubmit={save}>
        <label>
          Scenario (YAML)
          <textarea
            class="code"
            rows={10}
            value={yaml}
            onInput={(e) => setYaml(e.currentTarget.value)}
            aria-invalid={!!problem}
            aria-describedby="scenario-problem"
            spellcheck={false}
          />
        </label>
        <p id="scenario-problem" class="error" role="alert">
          {problem}
        </p>
        <button type="submit">Save scenario</button>
        <p role="status" class="status">
          {status}
        </p>
      </form>
    </section>
  );
}

interface Fault {
  id: string;
  method: string | null;
  path: string | null;
  status: number | null;
  count: number | null;
  remaining: number | null;
  latency_ms: number;
  hits: number;
}

function Faults() {
  const [faults, setFaults] = useState<Fault[]>([]);
  const [form, setForm] = useState({ method: '*', path: '/v1/assistants', status: '500', count: '1', latency: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const load = () =>
    call<{ data: Fault[] }>('/__admin/faults').then(
      (r) => setFaults(r.data),
      (e: unknown) => setProblem(errorText(e)),
    );
  useEffect(() => void load(), []);

  const add = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { method: form.method || '*' };
    if (form.path) body.path = form.path;
    if (form.status) body.status = Number(form.status);
    if (form.count) body.count = Number(form.count);
    if (form.latency) body.latency_ms = Number(form.latency);
    try {
      await call('/__admin/faults', { body });
      setProblem(null);
      await load();
    } catch (e) {
      setProblem(errorText(e));
    }
  };
  const field = (key: keyof typeof form, label: string) => (
    <label>
      {label}
      <input value={form[key]} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} />
    </label>
  );

  return (
    <section class="panel" aria-label="Faults">
      <h2>Faults</h2>
      <form class="filters" onSubmit={add}>
        {field('method', 'Fault method')}
        {field('path', 'Fault path')}
        {field('status', 'Fault status')}
        {field('count', 'Fault count')}
        {field('latency', 'Latency (ms)')}
        <button type="submit">Add fault</button>
      </form>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      <ul class="list">
        {faults.map((fault) => (
          <li key={fault.id}>
            <code>
              {fault.method ?? '*'} {fault.path ?? '(every path)'}
            </code>{' '}
            → {fault.status ?? 'latency only'} {fault.latency_ms ? `+${fault.latency_ms} ms` : ''}{' '}
            <span class="muted">
              hits {fault.hits}, remaining {fault.remaining ?? '∞'}
            </span>{' '}
            <button
              type="button"
              class="secondary"
              onClick={() => void call(`/__admin/faults/${fault.id}`, { method: 'DELETE' }).then(load)}
            >
              Remove fault {fault.id}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Clock() {
  const [clock, setClock] = useState<{ now: number; offset_ms: number } | null>(null);
  const [seconds, setSeconds] = useState('60');
  const [problem, setProblem] = useState<string | null>(null);
  const load = () => call<{ now: number; offset_ms: number }>('/__admin/clock').then(setClock, (e: unknown) => setProblem(errorText(e)));
  useEffect(() => void load(), []);
  const advance = async (event: Event) => {
    event.preventDefault();
    try {
      setClock(await call('/__admin/clock/advance', { body: { seconds: Number(seconds) } }));
      setProblem(null);
    } catch (e) {
      setProblem(errorText(e));
    }
  };
  return (
    <section class="panel" aria-label="Clock">
      <h2>Clock</h2>
      <p>
        Server time: {clock ? new Date(clock.now * 1000).toISOString() : '…'} (offset {clock ? Math.round(clock.offset_ms / 1000) : 0} s)
      </p>
      <form class="filters" onSubmit={advance}>
        <label>
          Seconds to advance
          <input value={seconds} inputMode="numeric" onInput={(e) => setSeconds(e.currentTarget.value)} />
        </label>
        <button type="submit">Advance clock</button>
      </form>
      {problem ? <p class="error">{problem}</p> : null}
    </section>
  );
}

function RunControl() {
  const [runId, setRunId] = useState('');
  const [result, setResult] = useState<string>('');
  const act = async (action: 'advance' | 'complete' | 'fail' | 'expire') => {
    try {
      const run = await call<{ id: string; status: string }>(`/__admin/runs/${encodeURIComponent(runId.trim())}/${action}`, {
        method: 'POST',
      });
      setResult(`${run.id}: ${run.status}`);
    } catch (e) {
      setResult(errorText(e));
    }
  };
  return (
    <section class="panel" aria-label="Runs">
      <h2>Runs</h2>
      <p class="muted">With RUN_MODE=manual, “Advance one step” performs the run's next step.</p>
      <label>
        Run id
        <input value={runId} onInput={(e) => setRunId(e.currentTarget.value)} placeholder="run_..." />
      </label>
      <div class="toolbar">
        <button type="button" onClick={() => void act('advance')} disabled={!runId.trim()}>
          Advance one step
        </button>
        <button type="button" class="secondary" onClick={() => void act('complete')} disabled={!runId.trim()}>
          Complete
        </button>
        <button type="button" class="secondary" onClick={() => void act('fail')} disabled={!runId.trim()}>
          Fail
        </button>
        <button type="button" class="secondary" onClick={() => void act('expire')} disabled={!runId.trim()}>
          Expire
        </button>
      </div>
      <p role="status">{result}</p>
    </section>
  );
}

function Reset() {
  const [result, setResult] = useState('');
  /** `all`: every tenant, a server-wide action (with ADMIN_KEY set, it needs the admin key). */
  const reset = async (scope: 'tenant' | 'all') => {
    const question =
      scope === 'all'
        ? 'Forget every object, scenario, fault and journal entry of EVERY tenant on this server?'
        : 'Forget every object, scenario, fault and journal entry of this tenant?';
    if (!confirm(question)) return;
    try {
      const answer = await call<{ deleted: { rows: Record<string, number> } }>(`/__admin/reset${scope === 'all' ? '?scope=all' : ''}`, {
        method: 'POST',
      });
      const rows = Object.values(answer.deleted.rows).reduce((a, b) => a + b, 0);
      setResult(`Reset${scope === 'all' ? ' (all tenants)' : ''}: ${rows} row(s) deleted.`);
    } catch (e) {
      setResult(errorText(e));
    }
  };
  return (
    <section class="panel" aria-label="Reset">
      <h2>Reset</h2>
      <div class="toolbar">
        <button type="button" class="danger" onClick={() => void reset('tenant')}>
          Reset tenant
        </button>
        <button type="button" class="danger" onClick={() => void reset('all')}>
          Reset all tenants
        </button>
      </div>
      <p role="status">{result}</p>
    </section>
  );
}
