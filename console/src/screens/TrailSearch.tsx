import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { DECISION_NAMES, DEPARTMENT_NAMES, KIND_NAMES, PURPOSE_NAMES, fieldLabel, label } from '../labels';
import { RECORD_FIELDS, cleanFilter, type AuditFilter, type AuditRecordRow, type Connection } from '../records';
import { ChainStatus } from './ChainStatus';

const PAGE = 50;

interface SearchData {
  auditRecords: Connection<AuditRecordRow>;
}

const QUERY = `query ConsoleTrailSearch($filter: AuditFilter, $first: Int, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) { records { ${RECORD_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

/** 監査証跡の検索: every condition given must hold (the API's AuditFilter). */
export function TrailSearch({ initial }: { readonly initial: AuditFilter }) {
  const { api } = useSession();
  const [form, setForm] = useState<AuditFilter>(initial);
  const [records, setRecords] = useState<AuditRecordRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [searched, setSearched] = useState<AuditFilter>(initial);

  const run = useCallback(
    async (filter: AuditFilter, after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const data = await api.request<SearchData>(QUERY, { filter: cleanFilter(filter), first: PAGE, after });
        setRecords((previous) => (after ? [...previous, ...data.auditRecords.records] : data.auditRecords.records));
        setCursor(data.auditRecords.pageInfo.endCursor);
        setMore(data.auditRecords.pageInfo.hasNextPage);
      } catch (caught) {
        setError(caught);
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void run(initial, null);
  }, [run, initial]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearched(form);
    void run(form, null);
  };
  const set = (key: keyof AuditFilter) => (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value });

  return (
    <main id="main">
      <h1>監査証跡</h1>
      <ChainStatus />
      <section className="card" aria-labelledby="search-title">
        <h2 id="search-title">記録の検索</h2>
        <form className="filter" onSubmit={submit}>
          <label>
            利用者（ID）
            <input name="subject" value={form.subject ?? ''} onChange={set('subject')} />
          </label>
          <label>
            部署
            <select name="department" value={form.department ?? ''} onChange={set('department')}>
              <option value="">（すべて）</option>
              {Object.entries(DEPARTMENT_NAMES).map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            対象者（宛名番号）
            <input name="personId" value={form.personId ?? ''} onChange={set('personId')} inputMode="numeric" />
          </label>
          <label>
            項目（Type.field）
            <input name="field" value={form.field ?? ''} onChange={set('field')} placeholder="Resident.individualNumber" />
          </label>
          <label>
            期間（から）
            <input name="from" type="date" value={form.from ?? ''} onChange={set('from')} />
          </label>
          <label>
            期間（まで）
            <input name="to" type="date" value={form.to ?? ''} onChange={set('to')} />
          </label>
          <label>
            判断
            <select name="decision" value={form.decision ?? ''} onChange={set('decision')}>
              <option value="">（すべて）</option>
              {Object.entries(DECISION_NAMES).map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            種類
            <select name="kind" value={form.kind ?? ''} onChange={set('kind')}>
              <option value="">（すべて）</option>
              {Object.entries(KIND_NAMES).map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit">検索</button>
          </div>
        </form>
      </section>
      <section aria-labelledby="results-title" aria-busy={loading}>
        <h2 id="results-title">
          検索結果 <span className="count" data-testid="result-count">{records.length}</span> 件{more ? '（続きあり）' : ''}
        </h2>
        <Status loading={loading} error={error} />
        <RecordTable records={records} />
        {more && (
          <button type="button" onClick={() => void run(searched, cursor)} disabled={loading}>
            次の{PAGE}件
          </button>
        )}
      </section>
    </main>
  );
}

/** Records as a table; each row's details (fields, persons, error codes) one keypress away. */
export function RecordTable({ records }: { readonly records: readonly AuditRecordRow[] }) {
  if (records.length === 0) return <p>該当する記録はありません。</p>;
  return (
    <table className="records">
      <thead>
        <tr>
          <th scope="col">通番</th>
          <th scope="col">日時（JST）</th>
          <th scope="col">種類</th>
          <th scope="col">利用者</th>
          <th scope="col">部署</th>
          <th scope="col">事務</th>
          <th scope="col">判断</th>
          <th scope="col">詳細</th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={record.sequence} data-decision={record.decision}>
            <td className="num">{record.sequence}</td>
            <td>
              <When at={record.occurredAt} />
            </td>
            <td>{label(KIND_NAMES, record.kind)}</td>
            <td>{record.subject ?? '（不明）'}</td>
            <td>{label(DEPARTMENT_NAMES, record.department)}</td>
            <td>{label(PURPOSE_NAMES, record.purpose)}</td>
            <td>
              <span className={`decision decision-${record.decision.toLowerCase()}`}>{label(DECISION_NAMES, record.decision)}</span>
            </td>
            <td>
              <details>
                <summary>
                  項目 {record.grantedFields.length} / 拒否 {record.deniedFields.length} / 対象者 {record.personIds.length}
                </summary>
                <dl className="facts small">
                  <dt>許可された項目</dt>
                  <dd>{record.grantedFields.map(fieldLabel).join('、') || '—'}</dd>
                  <dt>拒否された項目（ポリシー）</dt>
                  <dd>{record.deniedFields.map((d) => `${fieldLabel(d.coordinate)}（${d.policy}）`).join('、') || '—'}</dd>
                  <dt>対象者（宛名番号）</dt>
                  <dd>{record.personIds.join('、') || '—'}</dd>
                  <dt>操作名</dt>
                  <dd>{record.operationName ?? '—'}</dd>
                  <dt>多要素認証</dt>
                  <dd>{record.mfa == null ? '—' : record.mfa ? 'あり' : 'なし'}</dd>
                  <dt>ルールの版</dt>
                  <dd>{record.ruleVersion ?? '—'}</dd>
                  <dt>エラーコード</dt>
                  <dd>{record.errorCodes.join(', ') || '—'}</dd>
                  {record.caseReference && (
                    <>
                      <dt>案件番号（申告）</dt>
                      <dd>{record.caseReference}</dd>
                    </>
                  )}
                  {record.detail && (
                    <>
                      <dt>内容</dt>
                      <dd>{record.detail}</dd>
                    </>
                  )}
                </dl>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
