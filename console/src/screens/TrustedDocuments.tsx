import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { CLASSIFICATION_NAMES, DEPARTMENT_NAMES, PURPOSE_NAMES, ROLE_NAMES, TRUSTED_STATUS_NAMES, fieldLabel, label } from '../labels';

/** Documents the apps registered (issue 13): what each reads and who may run it, for a decision. */
const LIST = `query ConsoleTrustedDocuments($filter: TrustedDocumentFilter, $after: String) {
  trustedDocuments(filter: $filter, first: 50, after: $after) {
    documents { hash operationName document status registeredAt decidedBy decidedAt decisionReason
      apps { name version operationName }
      fields { coordinate policies classifications }
      profiles { department role purpose masked }
      problems }
    pageInfo { hasNextPage endCursor }
  }
}`;
const APPROVE = `mutation ConsoleApproveTrustedDocument($hash: ID!, $reason: String!) { approveTrustedDocument(hash: $hash, reason: $reason) { hash status } }`;
const REJECT = `mutation ConsoleRejectTrustedDocument($hash: ID!, $reason: String!) { rejectTrustedDocument(hash: $hash, reason: $reason) { hash status } }`;

interface DocumentView {
  readonly hash: string;
  readonly operationName: string | null;
  readonly document: string;
  readonly status: string;
  readonly registeredAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  readonly apps: readonly { name: string; version: string; operationName: string | null }[];
  readonly fields: readonly { coordinate: string; policies: readonly (readonly string[])[]; classifications: readonly string[] }[];
  readonly profiles: readonly { department: string; role: string; purpose: string; masked: readonly string[] }[];
  readonly problems: readonly string[];
}
interface Page {
  trustedDocuments: { documents: DocumentView[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
const INDIVIDUAL_NUMBER = 'individual-number';

/** アプリの操作（信頼済みドキュメント）: list by status, open one, approve or reject with a reason. */
export function TrustedDocuments() {
  const { api } = useSession();
  const [status, setStatus] = useState<string>('PENDING');
  const [list, setList] = useState<DocumentView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = useCallback(
    (after: string | null) => {
      setError(null);
      const filter = status ? { status } : {};
      api.request<Page>(LIST, { filter, after }).then((d) => {
        setList((before) => [...(after && before ? before : []), ...d.trustedDocuments.documents]);
        setNext(d.trustedDocuments.pageInfo.hasNextPage ? d.trustedDocuments.pageInfo.endCursor : null);
      }, setError);
    },
    [api, status],
  );
  useEffect(() => {
    setList(null);
    load(null);
  }, [load]);

  return (
    <main id="main">
      <h1>アプリの操作（信頼済みドキュメント）</h1>
      <p className="help">
        各課のアプリが登録した操作（GraphQL ドキュメント）です。読む項目と、それを全部実行できる利用者の組み合わせを確かめて、承認または却下してください。
        <code>TRUSTED_DOCUMENTS=enforce</code> のゲートウェイは承認済みの操作だけを実行します。
      </p>
      <form className="filter inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          判断の状態
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {TRUSTED_STATUS_NAMES[s]}
              </option>
            ))}
            <option value="">すべて</option>
          </select>
        </label>
      </form>
      <Status loading={!list && !error} error={error} />
      {list && list.length === 0 && <p>該当する操作はありません。</p>}
      {list && list.length > 0 && (
        <table className="records" data-testid="trusted-documents">
          <thead>
            <tr>
              <th scope="col">アプリ（版）</th>
              <th scope="col">操作名</th>
              <th scope="col">ハッシュ</th>
              <th scope="col">状態</th>
              <th scope="col">登録日時</th>
              <th scope="col">詳細</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <DocumentRows
                key={d.hash}
                document={d}
                open={open === d.hash}
                onToggle={() => setOpen(open === d.hash ? null : d.hash)}
                onDecided={() => {
                  setOpen(null);
                  setList(null);
                  load(null);
                }}
              />
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => load(next)}>
          さらに表示
        </button>
      )}
    </main>
  );
}

function DocumentRows({ document: d, open, onToggle, onDecided }: { document: DocumentView; open: boolean; onToggle: () => void; onDecided: () => void }) {
  const detailId = `document-${d.hash.slice(0, 12)}`;
  const readsIndividualNumber = d.fields.some((f) => f.classifications.includes(INDIVIDUAL_NUMBER));
  return (
    <>
      <tr>
        <td>{d.apps.map((a) => `${a.name}@${a.version}`).join('、')}</td>
        <td>
          {d.operationName ?? '（名前なし）'}
          {readsIndividualNumber && <strong className="denied"> 個人番号</strong>}
        </td>
        <td>
          <code className="hash" title={d.hash}>
            {d.hash.slice(0, 12)}…
          </code>
        </td>
        <td>{label(TRUSTED_STATUS_NAMES, d.status)}</td>
        <td>
          <When at={d.registeredAt} />
        </td>
        <td>
          <button type="button" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            {open ? '閉じる' : `詳細（${d.operationName ?? d.hash.slice(0, 12)}）`}
          </button>
        </td>
      </tr>
      {open && (
        <tr id={detailId} data-testid="trusted-document-detail">
          <td colSpan={6}>
            <DocumentDetail document={d} onDecided={onDecided} />
          </td>
        </tr>
      )}
    </>
  );
}

function DocumentDetail({ document: d, onDecided }: { document: DocumentView; onDecided: () => void }) {
  const { api } = useSession();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const trimmed = reason.trim();
  const reasonOk = trimmed.length >= 1 && trimmed.length <= 200;

  const decide = async (mutation: string) => {
    if (!reasonOk) return;
    setBusy(true);
    setError(null);
    try {
      await api.request(mutation, { hash: d.hash, reason: trimmed });
      onDecided();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void decide(APPROVE);
  };

  return (
    <div className="trusted-detail">
      <dl className="facts small">
        <dt>ハッシュ（sha256）</dt>
        <dd>
          <code className="hash">{d.hash}</code>
        </dd>
        <dt>登録したアプリ</dt>
        <dd>{d.apps.map((a) => `${a.name}@${a.version}（${a.operationName ?? '名前なし'}）`).join('、')}</dd>
        {d.decidedBy && (
          <>
            <dt>判断</dt>
            <dd>
              {label(TRUSTED_STATUS_NAMES, d.status)}：{d.decidedBy}
              {d.decidedAt && <When at={d.decidedAt} />}「{d.decisionReason}」
            </dd>
          </>
        )}
      </dl>

      <table className="records" data-testid="trusted-document-fields">
        <caption>読む項目</caption>
        <thead>
          <tr>
            <th scope="col">項目</th>
            <th scope="col">座標</th>
            <th scope="col">ポリシー</th>
            <th scope="col">分類</th>
          </tr>
        </thead>
        <tbody>
          {d.fields.map((f) => {
            const individual = f.classifications.includes(INDIVIDUAL_NUMBER);
            return (
              <tr key={f.coordinate} className={individual ? 'individual-number' : undefined}>
                <td>
                  {fieldLabel(f.coordinate)}
                  {individual && <strong className="denied"> ★特定個人情報</strong>}
                </td>
                <td>
                  <code>{f.coordinate}</code>
                </td>
                <td>{f.policies.length === 0 ? '—' : f.policies.map((all) => all.join(' かつ ')).join(' または ')}</td>
                <td>{f.classifications.length === 0 ? '—' : f.classifications.map((c) => label(CLASSIFICATION_NAMES, c)).join('・')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <table className="records" data-testid="trusted-document-profiles">
        <caption>全部を実行できる利用者（部署・役割・事務）</caption>
        <thead>
          <tr>
            <th scope="col">部署</th>
            <th scope="col">役割</th>
            <th scope="col">事務</th>
            <th scope="col">マスク表示の項目</th>
          </tr>
        </thead>
        <tbody>
          {d.profiles.length === 0 && (
            <tr>
              <td colSpan={4}>現在のルールでは、この操作を全部実行できる利用者はいません。</td>
            </tr>
          )}
          {d.profiles.map((p) => (
            <tr key={`${p.department}/${p.role}/${p.purpose}`} data-profile={`${p.department}/${p.role}/${p.purpose}`}>
              <td>{label(DEPARTMENT_NAMES, p.department)}</td>
              <td>{label(ROLE_NAMES, p.role)}</td>
              <td>{label(PURPOSE_NAMES, p.purpose)}</td>
              <td>{p.masked.length === 0 ? 'なし（すべて全桁）' : (
                  <span className="masked">{p.masked.map(fieldLabel).join('・')}（マスク表示）</span>
                )}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {d.problems.length > 0 ? (
        <div className="issues" role="note">
          <h3>問題（現在のスキーマでは実行できません）</h3>
          <ul>
            {d.problems.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="ok">問題はありません（現在のスキーマで実行できます）。</p>
      )}

      <details>
        <summary>ドキュメントの本文</summary>
        <pre className="diff-lines">{d.document}</pre>
      </details>

      <form className="filter inline" onSubmit={submit} aria-label="判断">
        <label>
          理由（1〜200文字、必須）
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} required className="reason" aria-invalid={reason !== '' && !reasonOk} />
        </label>
        <button type="submit" disabled={busy || !reasonOk}>
          承認
        </button>
        <button type="button" className="reject" disabled={busy || !reasonOk} onClick={() => void decide(REJECT)}>
          却下
        </button>
      </form>
      <Status error={error} />
    </div>
  );
}
