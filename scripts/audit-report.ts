/**
 * npm run audit:report -- --from 2026-04-01 --to 2027-03-31 [--out DIR] [--calendar FILE]
 *
 * The audit trail's anomaly report for the system manager (promise 5: analysed at least yearly,
 * reported to the system manager): the same report as the graph's `auditAnomalyReport`
 * (lib/audit/anomalies.ts over policy/audit-calendar.yaml), written as DIR/report.md and
 * DIR/findings.csv (one line per finding, with the sequences of the records behind it). Reads the
 * store the environment names (AUDIT_DB_CLIENT, AUDIT_DB_FILE — default data/audit.sqlite —,
 * AUDIT_DB_URL) a page of 1,000 records at a time; no period is too long for it.
 *
 * `--from`/`--to`: dates on the ward's clock (both inclusive) or ISO 8601 instants with an offset
 * (to exclusive). DIR defaults to data/audit-reports/<from>_<to>/. Exit 0 when written (findings
 * or not), 2 on bad arguments, 1 when the store or the calendar cannot be read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildAnomalyReport, PeriodError, reportCsv, reportMarkdown, resolvePeriod, type AnomalyReport } from '../lib/audit/anomalies';
import { DEFAULT_CALENDAR_FILE, formatWardInstant, loadAuditCalendar } from '../lib/audit/calendar';
import { openAuditStore, type AuditStore } from '../lib/audit/store';
import { recordsInPeriod } from '../subgraphs/audit/adapter';
import { PROJECT_ROOT } from '../lib/project-root';

export interface AuditReportArgs {
  from: string;
  to: string;
  out?: string;
  calendar?: string;
}

export class UsageError extends Error {}

const USAGE = 'usage: npm run audit:report -- --from YYYY-MM-DD --to YYYY-MM-DD [--out DIR] [--calendar FILE]';

export function parseReportArgs(argv: readonly string[]): AuditReportArgs {
  const args: Partial<AuditReportArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--from':
        args.from = value();
        break;
      case '--to':
        args.to = value();
        break;
      case '--out':
        args.out = value();
        break;
      case '--calendar':
        args.calendar = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (!args.from || !args.to) throw new UsageError('--from and --to are required');
  return args as AuditReportArgs;
}

export interface WrittenReport {
  report: AnomalyReport;
  /** The report's summary for the terminal, Japanese first, times on the ward's clock with the offset. */
  summary: string;
  dir: string;
  markdownFile: string;
  csvFile: string;
}

/** Builds the report from `store` and writes the two files. */
export async function writeAuditReport(store: AuditStore, args: AuditReportArgs, onProgress?: (records: number) => void): Promise<WrittenReport> {
  const calendar = loadAuditCalendar(args.calendar ?? DEFAULT_CALENDAR_FILE);
  let period;
  try {
    period = resolvePeriod(calendar, args.from, args.to);
  } catch (error) {
    if (error instanceof PeriodError) throw new UsageError(error.message);
    throw error;
  }
  const records = await recordsInPeriod(store, period);
  onProgress?.(records.length);
  const report = buildAnomalyReport(records, calendar, period);
  const safe = (value: string) => value.replace(/[^0-9A-Za-z-]/g, '');
  const dir = path.resolve(args.out ?? path.join(process.env.DATA_DIR ?? path.join(PROJECT_ROOT, 'data'), 'audit-reports', `${safe(args.from)}_${safe(args.to)}`));
  fs.mkdirSync(dir, { recursive: true });
  const markdownFile = path.join(dir, 'report.md');
  const csvFile = path.join(dir, 'findings.csv');
  fs.writeFileSync(markdownFile, reportMarkdown(report, calendar));
  fs.writeFileSync(csvFile, reportCsv(report));
  const at = (instant: string) => formatWardInstant(calendar, instant);
  const summary = `異常検知 ${report.findings.length} 件（記録 ${report.recordCount} 件、${at(report.from)} 〜 ${at(report.to)}） / ${report.findings.length} finding(s) over ${report.recordCount} records`;
  return { report, summary, dir, markdownFile, csvFile };
}

async function main(): Promise<number> {
  let args: AuditReportArgs;
  try {
    args = parseReportArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) process.stderr.write(`audit:report: ${error.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  let store: AuditStore | undefined;
  try {
    store = await openAuditStore();
    const started = Date.now();
    const written = await writeAuditReport(store, args, (n) => process.stderr.write(`記録 ${n} 件を読み込みました / read ${n} records\n`));
    const { report } = written;
    process.stdout.write(
      `${written.summary} (${((Date.now() - started) / 1000).toFixed(1)} s)\n` +
        report.warnings.map((w) => `警告 / warning: ${w}\n`).join('') +
        `出力 / wrote ${path.relative(process.cwd(), written.markdownFile)}\n出力 / wrote ${path.relative(process.cwd(), written.csvFile)}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`audit:report: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`audit:report: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
