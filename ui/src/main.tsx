/**
 * The web inspector and playground of assistants-mock (docs/ui.md): four screens behind hash routes
 * (#/playground, #/threads, #/live, #/control), so the server serves one page for all of them.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, onAuthError, type ApiError } from './lib/api';
import { loadKeys, saveKeys, type Keys } from './lib/keys';
import { Control } from './screens/Control';
import { Live } from './screens/Live';
import { Playground } from './screens/Playground';
import { Threads } from './screens/Threads';
import './styles.css';

const SCREENS = {
  playground: { title: 'Playground', view: Playground },
  threads: { title: 'Threads and runs', view: Threads },
  live: { title: 'Live', view: Live },
  control: { title: 'Control', view: Control },
} as const;
type ScreenName = keyof typeof SCREENS;

function screenOf(hash: string): ScreenName {
  const name = hash.replace(/^#\/?/, '');
  return name in SCREENS ? (name as ScreenName) : 'playground';
}

function App() {
  const [screen, setScreen] = useState<ScreenName>(screenOf(location.hash));
  const [keys, setKeys] = useState<Keys>(loadKeys());
  const [asking, setAsking] = useState<string | null>(null);
  // Changing keys remounts the screens, so everything is read again for the new tenant.
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const onHash = () => setScreen(screenOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const off = onAuthError((error: ApiError) => setAsking(error.body.message));
    // One cheap control call at start: with ADMIN_KEY set and no key known, the page asks at once.
    call('/__admin/clock').catch(() => undefined);
    return off;
  }, []);

  useEffect(() => {
    document.title = `${SCREENS[screen].title} — assistants-mock`;
  }, [screen]);

  const View = SCREENS[screen].view;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <h1>assistants-mock</h1>
        <nav aria-label="Screens">
          {(Object.keys(SCREENS) as ScreenName[]).map((name) => (
            <a key={name} href={`#/${name}`} aria-current={screen === name ? 'page' : undefined}>
              {SCREENS[name].title}
            </a>
          ))}
        </nav>
        <div class="tenant">
          <span>
            Tenant: API key <code data-testid="tenant-key">{keys.apiKey || '(none: anonymous)'}</code>
            {keys.adminKey ? ', admin key set' : ''}
          </span>
          <button type="button" class="secondary" onClick={() => setAsking('')}>
            Change keys
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View key={`${screen}:${generation}`} />
      </main>
      {asking !== null ? (
        <KeyDialog
          reason={asking}
          keys={keys}
          onSave={(next) => {
            saveKeys(next);
            setKeys(next);
            setAsking(null);
            setGeneration((g) => g + 1);
          }}
          onCancel={() => setAsking(null)}
        />
      ) : null}
    </>
  );
}

function KeyDialog(props: { reason: string; keys: Keys; onSave(keys: Keys): void; onCancel(): void }) {
  const [apiKey, setApiKey] = useState(props.keys.apiKey);
  const [adminKey, setAdminKey] = useState(props.keys.adminKey ?? '');
  return (
    <div class="backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title">
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            props.onSave({ apiKey: apiKey.trim(), adminKey: adminKey.trim() || null });
          }}
          onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
        >
          <h2 id="keys-title">Keys</h2>
          {props.reason ? (
            <p class="error" role="alert">
              {props.reason}
            </p>
          ) : null}
          <p class="muted">
            The API key names the tenant whose objects you see (any key works unless the server sets API_KEY). The admin key is needed when
            the server sets ADMIN_KEY. Both are kept in this tab only (sessionStorage).
          </p>
          <label>
            API key
            <input value={apiKey} autoFocus autoComplete="off" onInput={(e) => setApiKey(e.currentTarget.value)} />
          </label>
          <label>
            Admin key
            <input type="password" value={adminKey} autoComplete="off" onInput={(e) => setAdminKey(e.currentTarget.value)} />
          </label>
          <div class="toolbar">
            <button type="submit">Save keys</button>
            <button type="button" class="secondary" onClick={props.onCancel}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
