import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { PROPOSAL_FIELDS, type ProposalView } from '../rules';

const LIST = `query ConsoleUnconfirmedRevocations { unconfirmedRevocations { ${PROPOSAL_FIELDS} } }`;
const REVOKE = `mutation ConsoleRevoke($input: RevokeAccessInput!) { revokeAccess(input: $input) { id } }`;
const CONFIRM = `mutation ConsoleConfirmRevocation($id: ID!) { approveRuleProposal(id: $id) { id status } }`;

/** 利用停止: in force at once, then listed here until a second officer confirms it. */
export function Revocations() {
  const { api } = useSession();
  const [list, setList] = useState<ProposalView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ subject: '', reason: '' });
  const [busy, setBusy] = useState(false);
  const reload = useCallback(() => {
    api.request<{ unconfirmedRevocations: ProposalView[] }>(LIST).then((d) => setList(d.unconfirmedRevocations), setError);
  }, [api]);
  useEffect(reload, [reload]);

  const run = async (query: string, variables: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await api.request(query, variables);
      reload();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(REVOKE, { input: { subject: form.subject.trim(), reason: form.reason.trim() } })) setForm({ subject: '', reason: '' });
  };

  return (
    <main id="main">
      <h1>利用停止と確認</h1>
      <section className="card" aria-labelledby="revoke-title">
        <h2 id="revoke-title">利用を停止する（直ちに有効）</h2>
        <form className="filter inline" onSubmit={(e) => void revoke(e)}>
          <label>
            利用者（ID）
            <input value={form.subject} onChange={(e) => setForm({ ...form, subject: e.target.value })} required />
          </label>
          <label>
            理由（異動・退職・権限見直し など）
            <input value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} maxLength={200} required />
          </label>
          <button type="submit" disabled={busy}>
            直ちに停止
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="unconfirmed-title">
        <h2 id="unconfirmed-title">確認待ちの利用停止</h2>
        <Status loading={!list && !error} error={error} />
        {list && list.length === 0 && <p>確認待ちはありません。</p>}
        {list && list.length > 0 && (
          <table className="records" data-testid="unconfirmed-revocations">
            <thead>
              <tr>
                <th scope="col">停止した利用者</th>
                <th scope="col">停止した担当</th>
                <th scope="col">日時</th>
                <th scope="col">理由</th>
                <th scope="col">確認</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <tr key={p.id}>
                  <td>{p.revokedSubject}</td>
                  <td>{p.author}</td>
                  <td>
                    <When at={p.proposedAt} />
                  </td>
                  <td>{p.summary}</td>
                  <td>
                    {p.decidableByMe ? (
                      <button type="button" disabled={busy} onClick={() => void run(CONFIRM, { id: p.id })}>
                        確認する
                      </button>
                    ) : (
                      '別の担当が確認します'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
