import { useEffect, useMemo, useState } from 'react';
import { useSession } from '../session';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { downloadText } from '../download';
import { CLASSIFICATION_NAMES, DEPARTMENT_NAMES, PURPOSE_NAMES, ROLE_NAMES, VERSION_ORIGIN_NAMES, anyOf, fieldLabel, label } from '../labels';
import { GRANT_FIELDS, PROFILE_FIELDS, VERSION_FIELDS, shortVersion, type FieldRuleView, type ProfileRuleView, type RuleVersionView } from '../rules';

interface InForce extends RuleVersionView {
  purposes: { id: string; name: string; legalBasis: string[]; individualNumberWork: boolean }[];
  policies: { name: string; description: string; classification: string }[];
  fieldRules: FieldRuleView[];
  profileRules: ProfileRuleView[];
}

const QUERY = `query ConsoleRulesInForce {
  rulesInForce { ${VERSION_FIELDS}
    purposes { id name legalBasis individualNumberWork }
    policies { name description classification }
    fieldRules { coordinate policies classification readers { ${GRANT_FIELDS} } profiles { key } }
    profileRules { profile { ${PROFILE_FIELDS} } policies readableFields }
  }
}`;

const VERSIONS = `query ConsoleRuleVersions { ruleVersions(first: 50) { versions { ${VERSION_FIELDS} } } }`;
const CSV = `query ConsoleRulesCsv($view: RuleExportView!) { rulesInForce { id csv(view: $view) } }`;
const RESTORE = `mutation ConsoleProposeRestore($versionId: ID!, $summary: String!) { proposeRuleRestore(versionId: $versionId, summary: $summary) { id } }`;

type Tab = 'fields' | 'profiles' | 'classification' | 'versions';

/** 現在のルール (promise 14): per field who may read it and why, per profile what it may read. */
export function RulesInForce() {
  const { api } = useSession();
  const [rules, setRules] = useState<InForce | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>('fields');
  const [filter, setFilter] = useState('Resident.');
  const [department, setDepartment] = useState('');

  useEffect(() => {
    api.request<{ rulesInForce: InForce }>(QUERY).then((d) => setRules(d.rulesInForce), setError);
  }, [api]);

  const exportCsv = async (view: 'FIELDS' | 'PROFILES') => {
    try {
      const data = await api.request<{ rulesInForce: { id: string; csv: string } }>(CSV, { view });
      // A BOM so that Excel opens the Japanese as UTF-8.
      downloadText(`rules-${view.toLowerCase()}-${data.rulesInForce.id.slice(0, 12)}.csv`, `\ufeff${data.rulesInForce.csv}`);
    } catch (caught) {
      setError(caught);
    }
  };

  const fields = useMemo(() => (rules ? rules.fieldRules.filter((f) => f.coordinate.toLowerCase().includes(filter.trim().toLowerCase())) : []), [rules, filter]);
  const profiles = useMemo(() => (rules ? rules.profileRules.filter((p) => !department || p.profile.department === department) : []), [rules, department]);
  const classes = useMemo(() => {
    const counts = new Map<string, number>();
    for (const field of rules?.fieldRules ?? []) counts.set(field.classification, (counts.get(field.classification) ?? 0) + 1);
    return [...counts.entries()];
  }, [rules]);

  return (
    <main id="main">
      <h1>現在のルール</h1>
      <Status loading={!rules && !error} error={error} />
      {rules && (
        <>
          <dl className="facts card" data-testid="rules-version">
            <dt>版</dt>
            <dd>
              <code title={rules.id}>{shortVersion(rules.id)}</code>（{label(VERSION_ORIGIN_NAMES, rules.origin)}、通番 {rules.sequence}）
            </dd>
            <dt>作成</dt>
            <dd>
              {rules.createdBy}、<When at={rules.createdAt} />
            </dd>
            <dt>適用</dt>
            <dd>
              <When at={rules.appliedAt} />
            </dd>
          </dl>
          <div className="actions no-print">
            <button type="button" onClick={() => void exportCsv('FIELDS')}>
              項目ごとの CSV
            </button>
            <button type="button" onClick={() => void exportCsv('PROFILES')}>
              プロファイルごとの CSV
            </button>
            <button type="button" onClick={() => window.print()}>
              印刷・PDF
            </button>
          </div>
          <div
            role="tablist"
            aria-label="表示"
            className="tabs no-print"
            onKeyDown={(event) => {
              // The tabs pattern: ← → move between tabs.
              if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
              const order: Tab[] = ['fields', 'profiles', 'classification', 'versions'];
              const next = order[(order.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
              setTab(next);
              (event.currentTarget.querySelector(`[data-tab="${next}"]`) as HTMLElement | null)?.focus();
            }}
          >
            {(
              [
                ['fields', '項目ごと（誰が・なぜ）'],
                ['profiles', 'プロファイルごと（何を読めるか）'],
                ['classification', '分類と事務'],
                ['versions', '版の履歴・復元'],
              ] as const
            ).map(([id, title]) => (
              <button key={id} type="button" role="tab" data-tab={id} aria-selected={tab === id} tabIndex={tab === id ? 0 : -1} onClick={() => setTab(id)}>
                {title}
              </button>
            ))}
          </div>
          {tab === 'fields' && (
            <section aria-label="項目ごと">
              <label className="no-print">
                項目で絞り込み（Type.field の一部）
                <input value={filter} onChange={(e) => setFilter(e.target.value)} />
              </label>
              <table className="records rules">
                <thead>
                  <tr>
                    <th scope="col">項目</th>
                    <th scope="col">分類</th>
                    <th scope="col">ポリシー</th>
                    <th scope="col">読める者（役割・部署・事務・認証）と根拠</th>
                  </tr>
                </thead>
                <tbody>
                  {fields.map((field) => (
                    <tr key={field.coordinate} data-coordinate={field.coordinate}>
                      <th scope="row">
                        {fieldLabel(field.coordinate) !== field.coordinate && <div>{fieldLabel(field.coordinate)}</div>}
                        <code>{field.coordinate}</code>
                      </th>
                      <td>{label(CLASSIFICATION_NAMES, field.classification)}</td>
                      <td>{field.policies.map((all) => all.join(' かつ ')).join(' または ') || '—'}</td>
                      <td>
                        {field.classification === 'authenticated' ? (
                          <span className="help">分類された親の項目を読める者（この項目は @authenticated の構造項目）</span>
                        ) : field.readers.length === 0 ? (
                          <span className="denied">誰も読めません</span>
                        ) : (
                          <ul className="grants">
                            {field.readers.map((grant) => (
                              <li key={`${grant.policy}-${grant.source}`}>
                                役割：{anyOf(ROLE_NAMES, grant.roles)}／部署：{anyOf(DEPARTMENT_NAMES, grant.departments)}／事務：{anyOf(PURPOSE_NAMES, grant.purposes)}
                                {grant.mfaRequired ? '／二要素認証必須' : ''}
                                {grant.mask ? `／マスク表示のみ（${grant.mask}）` : ''}
                                <div className="basis">
                                  根拠：{grant.legalBasis.join('；') || '—'} <small>（{grant.source}）</small>
                                </div>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="help">{fields.length} 項目</p>
            </section>
          )}
          {tab === 'profiles' && (
            <section aria-label="プロファイルごと">
              <label className="no-print">
                部署
                <select value={department} onChange={(e) => setDepartment(e.target.value)}>
                  <option value="">（すべて）</option>
                  {Object.entries(DEPARTMENT_NAMES).map(([id, name]) => (
                    <option key={id} value={id}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
              <table className="records rules">
                <thead>
                  <tr>
                    <th scope="col">部署</th>
                    <th scope="col">役割</th>
                    <th scope="col">事務</th>
                    <th scope="col">二要素</th>
                    <th scope="col">ポリシー</th>
                    <th scope="col">読める項目</th>
                  </tr>
                </thead>
                <tbody>
                  {profiles.map((row) => (
                    <tr key={row.profile.key}>
                      <td>{row.profile.departmentName}</td>
                      <td>{label(ROLE_NAMES, row.profile.role)}</td>
                      <td>{row.profile.purposeName}</td>
                      <td>{row.profile.mfa ? 'あり' : 'なし'}</td>
                      <td>{row.policies.join('、') || '—'}</td>
                      <td>
                        <details>
                          <summary>{row.readableFields.length} 項目</summary>
                          {row.readableFields.map(fieldLabel).join('、')}
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {tab === 'classification' && (
            <section aria-label="分類と事務">
              <h2>スキーマの分類</h2>
              <table className="records">
                <thead>
                  <tr>
                    <th scope="col">分類</th>
                    <th scope="col">項目数</th>
                  </tr>
                </thead>
                <tbody>
                  {classes.map(([classification, count]) => (
                    <tr key={classification}>
                      <td>{label(CLASSIFICATION_NAMES, classification)}</td>
                      <td className="num">{count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>ポリシー</h2>
              <table className="records">
                <thead>
                  <tr>
                    <th scope="col">名前</th>
                    <th scope="col">分類</th>
                    <th scope="col">内容</th>
                  </tr>
                </thead>
                <tbody>
                  {rules.policies.map((policy) => (
                    <tr key={policy.name}>
                      <td>
                        <code>{policy.name}</code>
                      </td>
                      <td>{label(CLASSIFICATION_NAMES, policy.classification)}</td>
                      <td>{policy.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>事務と法令上の根拠</h2>
              <table className="records">
                <thead>
                  <tr>
                    <th scope="col">事務</th>
                    <th scope="col">番号利用事務</th>
                    <th scope="col">根拠</th>
                  </tr>
                </thead>
                <tbody>
                  {rules.purposes.map((purpose) => (
                    <tr key={purpose.id}>
                      <td>{purpose.name}</td>
                      <td>{purpose.individualNumberWork ? 'はい' : 'いいえ'}</td>
                      <td>{purpose.legalBasis.join('；')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {tab === 'versions' && <Versions />}
        </>
      )}
    </main>
  );
}

/** Every stored version; any earlier one can be put back through the same two-person approval. */
function Versions() {
  const { api } = useSession();
  const [versions, setVersions] = useState<RuleVersionView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [summary, setSummary] = useState('');
  useEffect(() => {
    api.request<{ ruleVersions: { versions: RuleVersionView[] } }>(VERSIONS).then((d) => setVersions(d.ruleVersions.versions), setError);
  }, [api]);
  const restore = async (versionId: string) => {
    setError(null);
    try {
      const text = summary.trim() || `版 ${shortVersion(versionId)} に戻す`;
      const data = await api.request<{ proposeRuleRestore: { id: string } }>(RESTORE, { versionId, summary: text });
      window.location.hash = `#/proposals?id=${encodeURIComponent(data.proposeRuleRestore.id)}`;
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section aria-label="版の履歴">
      <Status loading={!versions && !error} error={error} />
      <label>
        復元の理由（提案の要旨）
        <input value={summary} onChange={(e) => setSummary(e.target.value)} maxLength={500} />
      </label>
      <p>戻すのはルールだけです。利用停止（失効者一覧）は現在のものを引き継ぎます。停止の解除は revocations.yaml の変更として提案してください。</p>
      {versions && versions.length === 0 && <p>版の保管庫は使われていません（POLICY_STORE=dir：policy/ フォルダが現在のルールです）。</p>}
      {versions && versions.length > 0 && (
        <table className="records">
          <thead>
            <tr>
              <th scope="col">通番</th>
              <th scope="col">版</th>
              <th scope="col">由来</th>
              <th scope="col">作成者</th>
              <th scope="col">作成日時</th>
              <th scope="col">状態</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.id}>
                <td className="num">{version.sequence}</td>
                <td>
                  <code title={version.id}>{shortVersion(version.id)}</code>
                </td>
                <td>{label(VERSION_ORIGIN_NAMES, version.origin)}</td>
                <td>{version.createdBy}</td>
                <td>
                  <When at={version.createdAt} />
                </td>
                <td>
                  {version.inForce ? (
                    <strong>適用中</strong>
                  ) : (
                    <button type="button" onClick={() => void restore(version.id)}>
                      この版に戻す提案
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
