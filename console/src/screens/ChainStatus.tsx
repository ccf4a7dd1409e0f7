import { useEffect, useState } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';

interface ChainStatusData {
  auditChainStatus: { recordCount: number; lastSequence: number | null; lastHash: string | null; lastRecordedAt: string | null };
}

/** The chain's head (証跡の連鎖): note it down; a later head that does not extend it means records were removed. */
export function ChainStatus() {
  const { api } = useSession();
  const [data, setData] = useState<ChainStatusData['auditChainStatus'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<ChainStatusData>('query ConsoleChainStatus { auditChainStatus { recordCount lastSequence lastHash lastRecordedAt } }').then((d) => setData(d.auditChainStatus), setError);
  }, [api]);
  return (
    <section className="card" aria-labelledby="chain-title" data-testid="chain-status">
      <h2 id="chain-title">証跡の連鎖（ハッシュチェーン）の状態</h2>
      <Status loading={!data && !error} error={error} />
      {data && (
        <dl className="facts">
          <dt>記録の件数</dt>
          <dd>{data.recordCount.toLocaleString('ja-JP')} 件</dd>
          <dt>最新の通番</dt>
          <dd>{data.lastSequence ?? '—'}</dd>
          <dt>最新のハッシュ</dt>
          <dd>
            <code className="hash">{data.lastHash ?? '—'}</code>
          </dd>
          <dt>最新の記録日時</dt>
          <dd>
            <When at={data.lastRecordedAt} />
          </dd>
        </dl>
      )}
      <p className="help">全件の検証（改ざんされた最初の記録を示す）はサーバーで <code>npm run audit:verify</code>。</p>
    </section>
  );
}
