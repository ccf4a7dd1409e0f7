import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { formatWarekiDay, jstDaysAgo } from '../dates';
import { ANOMALY_NAMES, DEPARTMENT_NAMES, label } from '../labels';
import { RECORD_FIELDS, type AuditRecordRow } from '../records';
import { RecordTable } from './TrailSearch';
import { toCsv } from '../csv';
import { downloadText } from '../download';

/** The records shown under a finding; the report's CSV (npm run audit:report) has every sequence. */
const RECORDS_PER_FINDING = 50;

interface Finding {
  kind: string;
  subject: string;
  department: string | null;
  window: string;
  windowStart: string;
  windowEnd: string;
  count: number;
  threshold: number | null;
  departmentMedian: number | null;
  personCount: number;
  description: string;
  recordSequences: number[];
  records: AuditRecordRow[];
}

interface Report {
  from: string;
  to: string;
  calendarVersion: string;
  recordCount: number;
  analysedCount: number;
  warnings: string[];
  findings: Finding[];
}

const QUERY = `query ConsoleAnomalyReport($from: String!, $to: String!) {
  auditAnomalyReport(from: $from, to: $to) {
    from to calendarVersion recordCount analysedCount warnings
    findings { kind subject department window windowStart windowEnd count threshold departmentMedian personCount description recordSequences
      records(first: ${RECORDS_PER_FINDING}) { ${RECORD_FIELDS} } }
  }
}`;

/** A day (YYYY-MM-DD) or a clock hour (YYYY-MM-DDTHH) on the ward's clock, in 和暦. */
function windowLabel(window: string): string {
  const day = window.slice(0, 10);
  return window.length > 10 ? `${formatWarekiDay(day)} ${Number(window.slice(11, 13))}時台` : formatWarekiDay(day);
}

/** 異常の報告 (promise 5): each finding, and its records one click away. */
export function Anomalies() {
  const { api } = useSession();
  const [form, setForm] = useState({ from: jstDaysAgo(6), to: jstDaysAgo(0) });
  const [report, setReport] = useState<Report | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setLoading(true);
    setError(null);
    setOpen(null);
    try {
      setReport((await api.request<{ auditAnomalyReport: Report }>(QUERY, form)).auditAnomalyReport);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };

  const exportCsv = () => {
    if (!report) return;
    const header = ['種類', '利用者', '部署', '期間', '件数', 'しきい値', '部署の中央値', '人数', '説明', '記録の通番'];
    const rows = report.findings.map((f) => [label(ANOMALY_NAMES, f.kind), f.subject, label(DEPARTMENT_NAMES, f.department), f.window, f.count, f.threshold, f.departmentMedian, f.personCount, f.description, f.recordSequences.join(' ')]);
    downloadText(`anomalies-${form.from}-${form.to}.csv`, toCsv(header, rows));
  };

  return (
    <main id="main">
      <h1>異常の報告</h1>
      <form className="filter inline" onSubmit={(e) => void submit(e)}>
        <label>
          期間（から）
          <input type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} required />
        </label>
        <label>
          期間（まで）
          <input type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} required />
        </label>
        <button type="submit">報告を作成</button>
        {report && (
          <button type="button" onClick={exportCsv}>
            CSV で保存
          </button>
        )}
        <button type="button" onClick={() => window.print()} disabled={!report}>
          印刷・PDF
        </button>
      </form>
      <Status loading={loading} error={error} />
      {report && (
        <section aria-labelledby="report-title">
          <h2 id="report-title">
            {formatWarekiDay(form.from)} 〜 {formatWarekiDay(form.to)}：所見 <span data-testid="finding-count">{report.findings.length}</span> 件
          </h2>
          <p className="help">
            記録 {report.recordCount.toLocaleString('ja-JP')} 件（分析対象 {report.analysedCount.toLocaleString('ja-JP')} 件）、カレンダーの版 {report.calendarVersion}
          </p>
          {report.warnings.map((warning) => (
            <p key={warning} className="warning" role="note">
              {warning}
            </p>
          ))}
          {report.findings.length === 0 ? (
            <p>この期間に所見はありません。</p>
          ) : (
            <ol className="findings">
              {report.findings.map((finding, i) => (
                <li key={`${finding.kind}-${finding.subject}-${finding.window}`} className="card finding">
                  <h3>
                    {label(ANOMALY_NAMES, finding.kind)}：{finding.subject}（{label(DEPARTMENT_NAMES, finding.department)}）
                  </h3>
                  <p>
                    {windowLabel(finding.window)}：件数 {finding.count}
                    {finding.threshold != null && `（しきい値 ${finding.threshold}）`}、対象者 {finding.personCount} 人
                  </p>
                  <p className="description">{finding.description}</p>
                  <button type="button" aria-expanded={open === i} aria-controls={`finding-records-${i}`} onClick={() => setOpen(open === i ? null : i)}>
                    {open === i ? '記録を閉じる' : `記録を表示（${finding.recordSequences.length} 件）`}
                  </button>
                  {open === i && (
                    <div id={`finding-records-${i}`} className="finding-records">
                      <RecordTable records={finding.records} />
                      {finding.recordSequences.length > finding.records.length && (
                        <p className="help">
                          最初の {finding.records.length} 件を表示。通番：{finding.recordSequences.join(', ')}
                        </p>
                      )}
                    </div>
                  )}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </main>
  );
}
