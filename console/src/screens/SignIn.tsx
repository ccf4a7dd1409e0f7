import { useState, type FormEvent } from 'react';
import { apiClient, readClaims } from '../api';
import { Status } from '../components/Status';
import type { ConsoleConfig } from '../session';

/** Officers who may use the console, for the dev picker; others are listed to show the refusal. */
const DEV_PERSONAS = ['security-officer', 'security-officer-2', 'registry-clerk', 'tax-clerk'];

export function SignIn({ config, onSignedIn }: { readonly config: ConsoleConfig; readonly onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const tryToken = async (candidate: string) => {
    setBusy(true);
    setError(null);
    try {
      // The API decides who may use the console: audit_trail (security-officer, MFA) or a refusal.
      await apiClient(config.graphqlPath, candidate).request<{ auditChainStatus: { recordCount: number } }>('query ConsoleSignIn { auditChainStatus { recordCount } }');
      onSignedIn(candidate);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (!readClaims(trimmed)) {
      setError(new Error('トークンの形式ではありません（ヘッダー.ペイロード.署名 の3つの部分）。'));
      return;
    }
    void tryToken(trimmed);
  };

  const pickPersona = async (persona: string) => {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('dev-sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona }) });
      if (!response.ok) throw new Error(`開発用サインインに失敗しました（HTTP ${response.status}）`);
      const body = (await response.json()) as { token: string };
      await tryToken(body.token);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>情報セキュリティ担当コンソール</h1>
      <p>監査証跡・アクセスルールの閲覧と変更（二人承認）の画面です。API と同じトークンでサインインします。</p>
      <form onSubmit={submit} aria-describedby="token-help">
        <label htmlFor="token">アクセストークン（Bearer）</label>
        <textarea id="token" name="token" rows={4} value={token} onChange={(event) => setToken(event.target.value)} spellCheck={false} autoComplete="off" required />
        <p id="token-help" className="help">
          本番：庁内の認証基盤（OIDC）で発行されたアクセストークンを貼り付けてください（IC カードとパスワードの二要素でサインインしたもの）。
          開発：<code>npm run token -- security-officer</code> の最後の行。
        </p>
        <button type="submit" disabled={busy}>
          サインイン
        </button>
      </form>
      {config.devSignIn && (
        <section className="dev-picker" aria-labelledby="dev-picker-title">
          <h2 id="dev-picker-title">開発用：ペルソナでサインイン（本番では無効）</h2>
          <ul>
            {DEV_PERSONAS.map((persona) => (
              <li key={persona}>
                <button type="button" disabled={busy} onClick={() => void pickPersona(persona)}>
                  {persona}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <Status loading={busy} error={error} />
    </main>
  );
}
