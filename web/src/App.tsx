import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api, type Me, setCsrf } from './api.ts';
import { readUrl, type UrlState, type View, writeUrl } from './url.ts';
import { AnalyticsView } from './views/AnalyticsView.tsx';
import { ChartView } from './views/ChartView.tsx';
import { PlansView } from './views/PlansView.tsx';
import { TimelineView } from './views/TimelineView.tsx';

const TABS: Array<{ view: View; label: string }> = [
  { view: 'chart', label: 'Chart' },
  { view: 'plans', label: 'Plans' },
  { view: 'timeline', label: 'Timeline & lineage' },
  { view: 'analytics', label: 'Analytics' },
];

export function App() {
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  const [url, setUrl] = useState<UrlState>(() => readUrl());

  useEffect(() => {
    api<Me>('GET', '/api/me')
      .then((who) => {
        setCsrf(who.csrfToken);
        setMe(who);
      })
      .catch(() => setMe(null));
  }, []);

  const update = useCallback((patch: Partial<UrlState>) => {
    setUrl((current) => {
      const next = { ...current, ...patch };
      writeUrl(next);
      return next;
    });
  }, []);

  if (me === 'loading') return <p className="loading">Loading…</p>;
  if (me === null) return <Login onDone={setMe} />;

  const logout = async () => {
    await api('POST', '/api/logout').catch(() => {});
    setMe(null);
  };

  return (
    <div className="app">
      <header className="top">
        <h1>Orgshift</h1>
        <nav aria-label="Views">
          {TABS.map((tab) => (
            <button
              key={tab.view}
              type="button"
              className={url.view === tab.view ? 'tab active' : 'tab'}
              aria-current={url.view === tab.view ? 'page' : undefined}
              onClick={() => update({ view: tab.view })}
            >
              {tab.label}
            </button>
          ))}
        </nav>
        <span className="who">
          {me.user} ({me.role}
          {me.scope ? `, ${me.scope}` : ''})
          <button type="button" className="link-button" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      {url.view === 'chart' && <ChartView url={url} update={update} />}
      {url.view === 'plans' && <PlansView me={me} url={url} update={update} />}
      {url.view === 'timeline' && <TimelineView url={url} update={update} />}
      {url.view === 'analytics' && <AnalyticsView url={url} update={update} />}
    </div>
  );
}

function Login({ onDone }: { onDone: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const who = await api<Me>('POST', '/api/login', { username, password });
      setCsrf(who.csrfToken);
      onDone(who);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'the server did not answer');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Orgshift</h1>
        <p>Log in to see the organization and its restructurings.</p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <p className="error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}
