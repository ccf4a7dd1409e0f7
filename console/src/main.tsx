import { StrictMode, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './console.css';
import { apiClient, readClaims } from './api';
import { SessionContext, forgetToken, readConfig, storeToken, storedToken, type Session } from './session';
import { SignIn } from './screens/SignIn';
import { TrailSearch } from './screens/TrailSearch';
import { TrailCharts } from './screens/TrailCharts';
import { Anomalies } from './screens/Anomalies';
import { PersonHistory } from './screens/PersonHistory';
import { RulesInForce } from './screens/RulesInForce';
import { Proposals } from './screens/Proposals';
import { Revocations } from './screens/Revocations';
import { TrustedDocuments } from './screens/TrustedDocuments';
import { DEPARTMENT_NAMES, label } from './labels';
import { formatBoth } from './dates';
import type { AuditFilter } from './records';

const config = readConfig();

/** Screens by hash (#/trail?subject=…): bookmarkable, and the browser's back key works. */
const SCREENS = [
  { path: 'trail', title: '監査証跡' },
  { path: 'charts', title: '分析グラフ' },
  { path: 'anomalies', title: '異常の報告' },
  { path: 'person', title: '開示請求' },
  { path: 'rules', title: '現在のルール' },
  { path: 'proposals', title: 'ルール変更（二人承認）' },
  { path: 'revocations', title: '利用停止の確認' },
  { path: 'documents', title: 'アプリの操作（信頼済みドキュメント）' },
] as const;

function readRoute(): { path: string; params: URLSearchParams } {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  return { path: path || 'trail', params: new URLSearchParams(query ?? '') };
}

function useRoute() {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const changed = () => setRoute(readRoute());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function App() {
  const [token, setToken] = useState<string | null>(storedToken);
  const route = useRoute();
  const signOut = useCallback(() => {
    forgetToken();
    setToken(null);
  }, []);
  const session = useMemo<Session | null>(
    () => (token ? { token, claims: readClaims(token), api: apiClient(config.graphqlPath, token), signOut } : null),
    [token, signOut],
  );
  const initialFilter = useMemo<AuditFilter>(() => Object.fromEntries(route.params.entries()), [route]);
  useEffect(() => {
    const screen = SCREENS.find((s) => s.path === route.path);
    document.title = `${screen?.title ?? ''}｜情報セキュリティ担当コンソール`;
  }, [route.path]);

  if (!session) {
    return (
      <SignIn
        config={config}
        onSignedIn={(signedIn) => {
          storeToken(signedIn);
          setToken(signedIn);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        本文へ移動
      </a>
      <header className="bar no-print">
        <span className="product">情報セキュリティ担当コンソール</span>
        <nav aria-label="画面">
          <ul>
            {SCREENS.map((screen) => (
              <li key={screen.path}>
                <a href={`#/${screen.path}`} aria-current={route.path === screen.path ? 'page' : undefined}>
                  {screen.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" data-testid="signed-in-as">
          {session.claims?.sub ?? '?'}（{label(DEPARTMENT_NAMES, session.claims?.department_id)}
          {session.claims?.amr?.includes('hwk') ? '・二要素' : ''}）
          {session.claims?.exp && <small>有効期限 {formatBoth(new Date(session.claims.exp * 1000))}</small>}
        </span>
        <button type="button" onClick={signOut}>
          サインアウト
        </button>
      </header>
      {route.path === 'trail' && <TrailSearch key={window.location.hash} initial={initialFilter} />}
      {route.path === 'charts' && <TrailCharts />}
      {route.path === 'anomalies' && <Anomalies />}
      {route.path === 'person' && <PersonHistory />}
      {route.path === 'rules' && <RulesInForce />}
      {route.path === 'proposals' && <Proposals initialId={route.params.get('id')} />}
      {route.path === 'revocations' && <Revocations />}
      {route.path === 'documents' && <TrustedDocuments />}
    </SessionContext.Provider>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
