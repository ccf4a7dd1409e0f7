import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Chart } from '../components/Chart';
import { Status } from '../components/Status';
import { formatWarekiDay, jstDaysAgo } from '../dates';
import { DEPARTMENT_NAMES, label } from '../labels';
import type { Connection } from '../records';
import {
  WEEKDAYS_MONDAY_FIRST,
  WEEKDAY_NAMES,
  accessesPerDayByDepartment,
  denialsPerDay,
  hourWeekdayHeatmap,
  inBusinessHours,
  topUsersByDistinctPersons,
  type ChartRecord,
} from '../aggregate';

/** Pages of 1,000 read for one period: the charts say when they stopped short of the whole period. */
const PAGE = 1000;
const MAX_PAGES = 20;

const QUERY = `query ConsoleTrailCharts($filter: AuditFilter, $first: Int, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) { records { occurredAt subject department decision personIds } pageInfo { hasNextPage endCursor } }
}`;

const shortDay = (day: string): string => `${Number(day.slice(5, 7))}/${Number(day.slice(8, 10))}`;

/** 証跡の分析: accesses per day by department, hour × weekday, refusals, top users. */
export function TrailCharts() {
  const { api } = useSession();
  const [period, setPeriod] = useState({ from: jstDaysAgo(29), to: jstDaysAgo(0) });
  const [form, setForm] = useState(period);
  const [records, setRecords] = useState<ChartRecord[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    setRecords(null);
    setError(null);
    (async () => {
      const all: ChartRecord[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const data: { auditRecords: Connection<ChartRecord> } = await api.request(QUERY, { filter: { kind: 'OPERATION', from: period.from, to: period.to }, first: PAGE, after });
        all.push(...data.auditRecords.records);
        after = data.auditRecords.pageInfo.endCursor;
        if (!data.auditRecords.pageInfo.hasNextPage) {
          if (!cancelled) setTruncated(false);
          return all;
        }
      }
      if (!cancelled) setTruncated(true);
      return all;
    })().then(
      (all) => !cancelled && setRecords(all),
      (caught: unknown) => !cancelled && setError(caught),
    );
    return () => {
      cancelled = true;
    };
  }, [api, period]);

  const charts = useMemo(() => {
    if (!records) return null;
    const daily = accessesPerDayByDepartment(records, period.from, period.to);
    const heat = hourWeekdayHeatmap(records);
    const denials = denialsPerDay(records, period.from, period.to);
    const top = topUsersByDistinctPersons(records, 10);
    const maxHeat = Math.max(1, ...heat.map((cell) => cell[2]));
    return {
      daily: {
        points: daily.series.reduce((sum, s) => sum + s.counts.filter((c) => c > 0).length, 0),
        option: {
          tooltip: { trigger: 'axis' },
          legend: { top: 0, type: 'plain' },
          grid: { left: 48, right: 16, top: 56, bottom: 32 },
          xAxis: { type: 'category', data: daily.days.map(shortDay) },
          yAxis: { type: 'value', name: '件数', minInterval: 1 },
          series: daily.series.map((s) => ({ type: 'bar', stack: 'all', name: label(DEPARTMENT_NAMES, s.department), data: s.counts })),
        },
      },
      heat: {
        points: heat.filter((cell) => cell[2] > 0).length,
        option: {
          tooltip: { formatter: (p: { value: [number, number, number] }) => `${WEEKDAY_NAMES[WEEKDAYS_MONDAY_FIRST[p.value[1]]]}曜 ${p.value[0]}時台：${p.value[2]}件` },
          grid: { left: 48, right: 16, top: 16, bottom: 72 },
          xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => `${h}時`), splitArea: { show: true } },
          yAxis: { type: 'category', data: WEEKDAYS_MONDAY_FIRST.map((d) => WEEKDAY_NAMES[d]), inverse: true },
          visualMap: { min: 0, max: maxHeat, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f4f7fb', '#2b6cb0', '#1a365d'] } },
          series: [
            {
              type: 'heatmap',
              name: 'アクセス件数',
              // Cells within business hours (8:30–17:15, weekdays) are framed; off-hours cells are not.
              data: heat.map(([hour, row, count]) => ({
                value: [hour, row, count],
                itemStyle: inBusinessHours(hour, row) ? { borderColor: '#2f855a', borderWidth: 2 } : { borderColor: '#fff', borderWidth: 1 },
              })),
              label: { show: true, formatter: (p: { value: [number, number, number] }) => (p.value[2] > 0 ? String(p.value[2]) : '') },
            },
          ],
        },
      },
      denials: {
        points: [...denials.denied, ...denials.partial, ...denials.refused].filter((c) => c > 0).length,
        option: {
          tooltip: { trigger: 'axis' },
          legend: { top: 0 },
          grid: { left: 48, right: 16, top: 40, bottom: 32 },
          xAxis: { type: 'category', data: denials.days.map(shortDay) },
          yAxis: { type: 'value', name: '件数', minInterval: 1 },
          series: [
            { type: 'line', name: '拒否', data: denials.denied, color: '#c53030' },
            { type: 'line', name: '一部拒否', data: denials.partial, color: '#dd6b20' },
            { type: 'line', name: '受付拒否', data: denials.refused, color: '#6b46c1' },
          ],
        },
      },
      top: {
        rows: top,
        points: top.length,
        option: {
          tooltip: { trigger: 'axis' },
          grid: { left: 200, right: 24, top: 16, bottom: 32 },
          xAxis: { type: 'value', name: '人数', minInterval: 1 },
          yAxis: { type: 'category', inverse: true, data: top.map((u) => `${u.subject}（${label(DEPARTMENT_NAMES, u.department)}）`) },
          series: [{ type: 'bar', name: '閲覧した人数（重複なし）', data: top.map((u) => u.persons), color: '#2b6cb0', label: { show: true, position: 'right' } }],
        },
      },
    };
  }, [records, period]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPeriod(form);
  };

  return (
    <main id="main">
      <h1>証跡の分析</h1>
      <form className="filter inline" onSubmit={submit}>
        <label>
          期間（から）
          <input type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} required />
        </label>
        <label>
          期間（まで）
          <input type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} required />
        </label>
        <button type="submit">表示</button>
      </form>
      <p className="period">
        {formatWarekiDay(period.from)} 〜 {formatWarekiDay(period.to)}（{period.from} 〜 {period.to}、日本時間）
        {records && `：照会・操作 ${records.length.toLocaleString('ja-JP')} 件`}
        {truncated && `（最初の ${(PAGE * MAX_PAGES).toLocaleString('ja-JP')} 件だけを集計。期間を短くしてください）`}
      </p>
      <Status loading={!records && !error} error={error} />
      {charts && (
        <div className="charts">
          <section className="card" aria-labelledby="c-daily">
            <h2 id="c-daily">部署別・日別のアクセス件数</h2>
            <Chart testId="chart-daily" label="部署別・日別のアクセス件数（積み上げ棒グラフ）" option={charts.daily.option} points={charts.daily.points} />
          </section>
          <section className="card" aria-labelledby="c-heat">
            <h2 id="c-heat">曜日 × 時間帯（緑の枠：開庁時間 8:30〜17:15）</h2>
            <Chart testId="chart-heatmap" label="曜日と時間帯ごとのアクセス件数（ヒートマップ）" option={charts.heat.option} points={charts.heat.points} height={300} />
          </section>
          <section className="card" aria-labelledby="c-denials">
            <h2 id="c-denials">拒否の推移</h2>
            <Chart testId="chart-denials" label="日別の拒否件数（折れ線グラフ）" option={charts.denials.option} points={charts.denials.points} />
          </section>
          <section className="card" aria-labelledby="c-top">
            <h2 id="c-top">閲覧した人数の多い利用者（上位10人）</h2>
            <Chart testId="chart-top-users" label="利用者ごとの閲覧人数（横棒グラフ）" option={charts.top.option} points={charts.top.points} height={Math.max(160, 40 + charts.top.rows.length * 28)} />
          </section>
        </div>
      )}
    </main>
  );
}
