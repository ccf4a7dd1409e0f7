import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { formatWareki, formatWestern } from '../dates';
import { DECISION_NAMES, DEPARTMENT_NAMES, PURPOSE_NAMES, fieldLabel, label } from '../labels';
import type { Connection } from '../records';
import { toCsv } from '../csv';
import { downloadText } from '../download';

/**
 * What the disclosure shows of one record. Deliberately narrow: no other person (the records'
 * personIds are never fetched), no user id, and no field value (the trail holds none).
 */
interface DisclosureRecord {
  sequence: number;
  occurredAt: string;
  department: string | null;
  purpose: string | null;
  decision: string;
  grantedFields: string[];
  deniedFields: { coordinate: string }[];
}

const QUERY = `query ConsolePersonAccessHistory($personId: ID!, $first: Int, $after: String) {
  personAccessHistory(personId: $personId, first: $first, after: $after) {
    records { sequence occurredAt department purpose decision grantedFields deniedFields { coordinate } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const PAGE = 1000;
const MAX_PAGES = 50;

/** The person's own data items: the query's entry points and page structure are not "fields read". */
const isPersonField = (coordinate: string): boolean => !/^(Query|Mutation|PageInfo|[A-Za-z]+Connection|[A-Za-z]+Edge)\./.test(coordinate);
const fieldsOf = (coordinates: readonly string[]): string =>
  [...new Set(coordinates.filter(isPersonField).map(fieldLabel))].join('、') || '—';

/** 自己情報の開示請求: who (which department, for which 事務) read a person's record, and when. */
export function PersonHistory() {
  const { api } = useSession();
  const [personId, setPersonId] = useState('');
  const [shown, setShown] = useState<{ personId: string; records: DisclosureRecord[]; at: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const id = personId.trim();
    if (!/^[0-9]{1,20}$/.test(id)) {
      setError(new Error('宛名番号は数字で入力してください。'));
      return;
    }
    setLoading(true);
    setError(null);
    try {
      const records: DisclosureRecord[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const data: { personAccessHistory: Connection<DisclosureRecord> } = await api.request(QUERY, { personId: id, first: PAGE, after });
        records.push(...data.personAccessHistory.records);
        after = data.personAccessHistory.pageInfo.endCursor;
        if (!data.personAccessHistory.pageInfo.hasNextPage) break;
      }
      setShown({ personId: id, records, at: new Date().toISOString() });
    } catch (caught) {
      setShown(null);
      setError(caught);
    } finally {
      setLoading(false);
    }
  };

  const exportCsv = () => {
    if (!shown) return;
    const header = ['日時（和暦）', '日時（西暦・日本時間）', '部署', '事務', '閲覧された項目', '拒否された項目', '判断'];
    const rows = shown.records.map((r) => [
      formatWareki(r.occurredAt),
      formatWestern(r.occurredAt),
      label(DEPARTMENT_NAMES, r.department),
      label(PURPOSE_NAMES, r.purpose),
      fieldsOf(r.grantedFields),
      fieldsOf(r.deniedFields.map((d) => d.coordinate)),
      label(DECISION_NAMES, r.decision),
    ]);
    downloadText(`access-history-${shown.personId}.csv`, toCsv(header, rows));
  };

  return (
    <main id="main" className="disclosure">
      <h1 className="no-print">開示請求（本人の記録へのアクセス履歴）</h1>
      <form className="filter inline no-print" onSubmit={(e) => void submit(e)}>
        <label>
          宛名番号
          <input name="personId" value={personId} onChange={(e) => setPersonId(e.target.value)} inputMode="numeric" required />
        </label>
        <button type="submit">履歴を表示</button>
        <button type="button" onClick={exportCsv} disabled={!shown}>
          CSV で保存
        </button>
        <button type="button" onClick={() => window.print()} disabled={!shown}>
          印刷・PDF
        </button>
      </form>
      <Status loading={loading} error={error} />
      {shown && (
        <article className="printable" aria-labelledby="disclosure-title" data-testid="disclosure">
          <h2 id="disclosure-title">自己情報の開示請求に対する回答：あなたの記録へのアクセス履歴</h2>
          <dl className="facts">
            <dt>宛名番号</dt>
            <dd>{shown.personId}</dd>
            <dt>作成日時</dt>
            <dd>{`${formatWareki(shown.at)}（${formatWestern(shown.at)}）`}</dd>
            <dt>件数</dt>
            <dd data-testid="disclosure-count">{shown.records.length} 件</dd>
          </dl>
          <p className="help">
            区の職員があなたの住民記録を照会した記録です（監査証跡より）。各行は、いつ、どの部署が、どの事務のために、どの項目を照会し、許可されたか拒否されたかを示します。記録には項目の内容（値）や他の方の情報は含まれません。
          </p>
          {shown.records.length === 0 ? (
            <p>アクセスの記録はありません。</p>
          ) : (
            <table className="records disclosure-table">
              <thead>
                <tr>
                  <th scope="col">日時（日本時間）</th>
                  <th scope="col">部署</th>
                  <th scope="col">事務</th>
                  <th scope="col">閲覧された項目</th>
                  <th scope="col">判断</th>
                </tr>
              </thead>
              <tbody>
                {shown.records.map((r) => (
                  <tr key={r.sequence}>
                    <td>
                      <When at={r.occurredAt} />
                    </td>
                    <td>{label(DEPARTMENT_NAMES, r.department)}</td>
                    <td>{label(PURPOSE_NAMES, r.purpose)}</td>
                    <td>
                      {fieldsOf(r.grantedFields)}
                      {r.deniedFields.length > 0 && <div className="denied">拒否：{fieldsOf(r.deniedFields.map((d) => d.coordinate))}</div>}
                    </td>
                    <td>{label(DECISION_NAMES, r.decision)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="print-footer">{'特別区 情報セキュリティ担当（合成データによる例）'}</p>
        </article>
      )}
    </main>
  );
}
