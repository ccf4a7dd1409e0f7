import { useCallback, useEffect, useState, type ChangeEvent, type FormEvent } from 'react';
import { useSession } from '../session';
import { ApiError } from '../api';
import { Status } from '../components/Status';
import { When } from '../components/When';
import { FileDiff } from '../components/FileDiff';
import { jstDaysAgo } from '../dates';
import { DEPARTMENT_NAMES, PROPOSAL_KIND_NAMES, PROPOSAL_STATUS_NAMES, RULE_FILE_NAMES, ROLE_NAMES, fieldLabel, label } from '../labels';
import { PROFILE_FIELDS, PROPOSAL_FIELDS, shortVersion, type ProposalView, type RuleProfileView } from '../rules';

const LIST = `query ConsoleRuleProposals { ruleProposals(first: 50) { proposals { ${PROPOSAL_FIELDS} } } }`;
const FILES = `query ConsoleRuleFiles { rulesInForce { id files { name content } } }`;
const VALIDATE = `query ConsoleValidateRules($files: [RuleFileInput!]!, $baseVersion: ID) { validateRuleFiles(files: $files, baseVersion: $baseVersion) { valid version issues { text } } }`;
const PROPOSE = `mutation ConsoleProposeRuleChange($input: ProposeRuleChangeInput!) { proposeRuleChange(input: $input) { id } }`;
const ONE = `query ConsoleRuleProposal($id: ID!) { ruleProposal(id: $id) { ${PROPOSAL_FIELDS} } }`;
const DRY_RUN = `query ConsoleRuleDryRun($id: ID!) { ruleProposalDryRun(id: $id) {
  inForceVersion proposedVersion profileCount changedProfileCount fields revocationsAdded revocationsRemoved changedFiles
  rows { profile { ${PROFILE_FIELDS} } newlyAllowed newlyRefused policiesGained policiesLost profileRefusal } } }`;
const IMPACT = 'accessCount fieldAccessCount personCount users { subject department accessCount } departments { department accessCount userCount } fields { coordinate accessCount } sampleSequences';
const REPLAY = `query ConsoleRuleReplay($id: ID!, $from: String!, $to: String!) { ruleProposalReplay(id: $id, from: $from, to: $to) {
  from to operationsAnalysed truncated newlyRefused { ${IMPACT} } newlyAllowed { ${IMPACT} } } }`;
const SHADOW = `query ConsoleRuleShadow($id: ID!) { ruleShadowReport(id: $id) { operationsCompared shadow { from until active } newlyRefused { ${IMPACT} } newlyAllowed { ${IMPACT} } } }`;
const APPROVE = `mutation ConsoleApprove($id: ID!, $comment: String) { approveRuleProposal(id: $id, comment: $comment) { ${PROPOSAL_FIELDS} } }`;
const REJECT = `mutation ConsoleReject($id: ID!, $reason: String!) { rejectRuleProposal(id: $id, reason: $reason) { ${PROPOSAL_FIELDS} } }`;
const WITHDRAW = `mutation ConsoleWithdraw($id: ID!, $reason: String!) { withdrawRuleProposal(id: $id, reason: $reason) { ${PROPOSAL_FIELDS} } }`;
const START_SHADOW = `mutation ConsoleStartShadow($id: ID!, $until: String!) { startRuleShadow(id: $id, until: $until) { ${PROPOSAL_FIELDS} } }`;
const STOP_SHADOW = `mutation ConsoleStopShadow($id: ID!) { stopRuleShadow(id: $id) { ${PROPOSAL_FIELDS} } }`;

/** file:line:column problems a refused proposal carries (RULE_FILES_INVALID). */
function issuesOf(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  const issues = error.details[0]?.extensions?.['issues'];
  return Array.isArray(issues) ? issues.map((i: { file?: string; line?: number; column?: number; message?: string }) => `${i.file}:${i.line}:${i.column}: ${i.message}`) : [];
}

function Problems({ error }: { readonly error: unknown }) {
  const issues = issuesOf(error);
  return (
    <>
      <Status error={error} />
      {issues.length > 0 && (
        <ul className="issues" data-testid="rule-issues">
          {issues.map((issue) => (
            <li key={issue}>
              <code>{issue}</code>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** ルール変更（二人承認）: propose, see the dry run, approve or reject as a second officer. */
export function Proposals({ initialId }: { readonly initialId: string | null }) {
  const { api } = useSession();
  const [proposals, setProposals] = useState<ProposalView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(() => {
    api.request<{ ruleProposals: { proposals: ProposalView[] } }>(LIST).then((d) => setProposals(d.ruleProposals.proposals), setError);
  }, [api]);
  useEffect(reload, [reload]);
  const open = (id: string) => {
    window.location.hash = `#/proposals?id=${encodeURIComponent(id)}`;
  };

  return (
    <main id="main">
      <h1>ルール変更（二人承認）</h1>
      {initialId ? (
        <>
          <p className="no-print">
            <a href="#/proposals">← 提案の一覧へ</a>
          </p>
          <ProposalDetail key={initialId} id={initialId} onChanged={reload} />
        </>
      ) : (
        <>
          <NewProposal onProposed={open} />
          <section className="card" aria-labelledby="list-title">
            <h2 id="list-title">提案の一覧</h2>
            <Status loading={!proposals && !error} error={error} />
            {proposals && proposals.length === 0 && <p>提案はありません。</p>}
            {proposals && proposals.length > 0 && (
              <table className="records" data-testid="proposal-list">
                <thead>
                  <tr>
                    <th scope="col">提案日時</th>
                    <th scope="col">種類</th>
                    <th scope="col">要旨</th>
                    <th scope="col">提案者</th>
                    <th scope="col">状態</th>
                    <th scope="col">判断者</th>
                  </tr>
                </thead>
                <tbody>
                  {proposals.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <When at={p.proposedAt} />
                      </td>
                      <td>{label(PROPOSAL_KIND_NAMES, p.kind)}</td>
                      <td>
                        <a href={`#/proposals?id=${encodeURIComponent(p.id)}`}>{p.summary}</a>
                      </td>
                      <td>{p.author}</td>
                      <td>{label(PROPOSAL_STATUS_NAMES, p.status)}</td>
                      <td>{p.decidedBy ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </main>
  );
}

/** A new proposal: edit a rule file here, or upload the policy/ files (only changed ones are sent). */
function NewProposal({ onProposed }: { readonly onProposed: (id: string) => void }) {
  const { api } = useSession();
  const [base, setBase] = useState<{ id: string; files: Record<string, string> } | null>(null);
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [file, setFile] = useState<string>('policies.yaml');
  const [summary, setSummary] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [validation, setValidation] = useState<{ valid: boolean; version: string; issues: { text: string }[] } | null>(null);

  useEffect(() => {
    api
      .request<{ rulesInForce: { id: string; files: { name: string; content: string }[] } }>(FILES)
      .then((d) => setBase({ id: d.rulesInForce.id, files: Object.fromEntries(d.rulesInForce.files.map((f) => [f.name, f.content])) }), setError);
  }, [api]);

  const text = edited[file] ?? base?.files[file] ?? '';
  const changed = (): { name: string; content: string }[] =>
    Object.entries(edited)
      .filter(([name, content]) => base && content !== base.files[name])
      .map(([name, content]) => ({ name, content }));

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    const next = { ...edited };
    const unknown: string[] = [];
    for (const upload of files) {
      if ((RULE_FILE_NAMES as readonly string[]).includes(upload.name)) next[upload.name] = await upload.text();
      else unknown.push(upload.name);
    }
    setEdited(next);
    setError(unknown.length ? new Error(`ルールファイルではないため無視しました：${unknown.join('、')}`) : null);
  };

  const validate = async () => {
    setBusy(true);
    setError(null);
    try {
      setValidation((await api.request<{ validateRuleFiles: NonNullable<typeof validation> }>(VALIDATE, { files: changed(), baseVersion: base?.id })).validateRuleFiles);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const files = changed();
      if (files.length === 0) throw new Error('変更されたファイルがありません。');
      const data = await api.request<{ proposeRuleChange: { id: string } }>(PROPOSE, { input: { files, baseVersion: base?.id, summary: summary.trim() } });
      onProposed(data.proposeRuleChange.id);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="new-title">
      <h2 id="new-title">変更を提案する</h2>
      <p className="help">
        提案は、別の情報セキュリティ担当（二要素認証）が承認するまで何も変えません。承認前に「影響の試算」で、どのプロファイルがどの項目を得る・失うか、過去の実アクセスのうち新たに拒否・許可されるものを確認できます。
      </p>
      {!base && <Status loading={!error} error={error} />}
      {base && (
        <form onSubmit={(e) => void submit(e)} className="proposal-form">
          <div className="row">
            <label>
              ファイル
              <select value={file} onChange={(e) => setFile(e.target.value)} name="file">
                {RULE_FILE_NAMES.map((name) => (
                  <option key={name} value={name}>
                    {name}
                    {edited[name] !== undefined && edited[name] !== base.files[name] ? '（変更あり）' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label>
              policy/ のファイルをアップロード
              <input type="file" multiple accept=".yaml,.yml" onChange={(e) => void upload(e)} />
            </label>
          </div>
          <label htmlFor="rule-text">内容（YAML）</label>
          <textarea
            id="rule-text"
            name="content"
            className="code"
            rows={18}
            spellCheck={false}
            value={text}
            onChange={(e) => {
              setEdited({ ...edited, [file]: e.target.value });
              setValidation(null);
            }}
          />
          <label>
            要旨（何を、なぜ変えるか。個人の情報は書かない）
            <input name="summary" value={summary} onChange={(e) => setSummary(e.target.value)} maxLength={500} required />
          </label>
          <p className="help">変更したファイル：{changed().map((f) => f.name).join('、') || 'なし'}</p>
          <div className="actions">
            <button type="button" onClick={() => void validate()} disabled={busy}>
              検証
            </button>
            <button type="submit" disabled={busy}>
              提案する
            </button>
          </div>
          {validation && (
            <p role="status" className={validation.valid ? 'ok' : 'error'} data-testid="validation">
              {validation.valid ? `問題はありません（新しい版 ${shortVersion(validation.version)}）。` : `問題が ${validation.issues.length} 件あります。`}
            </p>
          )}
          {validation && !validation.valid && (
            <ul className="issues" data-testid="rule-issues">
              {validation.issues.map((issue) => (
                <li key={issue.text}>
                  <code>{issue.text}</code>
                </li>
              ))}
            </ul>
          )}
          <Problems error={error} />
        </form>
      )}
    </section>
  );
}

interface DryRun {
  inForceVersion: string;
  proposedVersion: string;
  profileCount: number;
  changedProfileCount: number;
  fields: string[];
  revocationsAdded: string[];
  revocationsRemoved: string[];
  changedFiles: string[];
  rows: { profile: RuleProfileView; newlyAllowed: string[]; newlyRefused: string[]; policiesGained: string[]; policiesLost: string[]; profileRefusal: string | null }[];
}

interface Impact {
  accessCount: number;
  fieldAccessCount: number;
  personCount: number;
  users: { subject: string; department: string | null; accessCount: number }[];
  departments: { department: string; accessCount: number; userCount: number }[];
  fields: { coordinate: string; accessCount: number }[];
  sampleSequences: number[];
}

interface Replay {
  from: string;
  to: string;
  operationsAnalysed: number;
  truncated: boolean;
  newlyRefused: Impact;
  newlyAllowed: Impact;
}

function ProposalDetail({ id, onChanged }: { readonly id: string; readonly onChanged: () => void }) {
  const { api, claims } = useSession();
  const [proposal, setProposal] = useState<ProposalView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.request<{ ruleProposal: ProposalView | null }>(ONE, { id }).then(
      (d) => (d.ruleProposal ? setProposal(d.ruleProposal) : setError(new Error('この提案は見つかりません。'))),
      setError,
    );
  }, [api, id]);

  const act = async (query: string, variables: Record<string, unknown>, field: string) => {
    setBusy(true);
    setActionError(null);
    try {
      const data = await api.request<Record<string, ProposalView>>(query, variables);
      setProposal(data[field]);
      setComment('');
      onChanged();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!proposal) return <Status loading={!error} error={error} />;
  const mine = proposal.author === claims?.sub;
  const pending = proposal.status === 'PENDING';
  return (
    <article className="proposal" data-testid="proposal-detail" data-status={proposal.status}>
      <section className="card">
        <h2>
          {label(PROPOSAL_KIND_NAMES, proposal.kind)}の提案：{proposal.summary}
        </h2>
        <dl className="facts">
          <dt>状態</dt>
          <dd data-testid="proposal-status">{label(PROPOSAL_STATUS_NAMES, proposal.status)}</dd>
          <dt>提案者</dt>
          <dd>
            {proposal.author}（{label(DEPARTMENT_NAMES, proposal.authorDepartment)}）、<When at={proposal.proposedAt} />
          </dd>
          <dt>変更したファイル</dt>
          <dd>{proposal.changedFiles.join('、') || '—'}</dd>
          <dt>元の版 → 提案の版</dt>
          <dd>
            <code title={proposal.baseVersion}>{shortVersion(proposal.baseVersion)}</code> → <code title={proposal.proposedVersion}>{shortVersion(proposal.proposedVersion)}</code>
          </dd>
          {proposal.restoresVersion && (
            <>
              <dt>戻す版</dt>
              <dd>
                <code title={proposal.restoresVersion}>{shortVersion(proposal.restoresVersion)}</code>
              </dd>
            </>
          )}
          {proposal.revokedSubject && (
            <>
              <dt>利用停止する利用者</dt>
              <dd>{proposal.revokedSubject}</dd>
            </>
          )}
          {proposal.decidedBy && (
            <>
              <dt>判断</dt>
              <dd>
                {proposal.decidedBy}、<When at={proposal.decidedAt} />
                {proposal.decisionComment && `：${proposal.decisionComment}`}
              </dd>
            </>
          )}
          {proposal.appliedVersion && (
            <>
              <dt>適用された版</dt>
              <dd>
                <code title={proposal.appliedVersion}>{shortVersion(proposal.appliedVersion)}</code>、<When at={proposal.appliedAt} />
              </dd>
            </>
          )}
        </dl>
        <div className="decision-panel no-print">
          {proposal.decidableByMe ? (
            <>
              <label>
                コメント・却下の理由
                <input name="comment" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} />
              </label>
              <div className="actions">
                <button type="button" className="primary" disabled={busy} onClick={() => void act(APPROVE, { id, comment: comment.trim() || null }, 'approveRuleProposal')}>
                  {proposal.kind === 'REVOCATION' ? '確認する' : '承認して適用'}
                </button>
                {proposal.kind !== 'REVOCATION' && (
                  <button type="button" disabled={busy || comment.trim() === ''} onClick={() => void act(REJECT, { id, reason: comment.trim() }, 'rejectRuleProposal')}>
                    却下
                  </button>
                )}
              </div>
            </>
          ) : (
            (pending || proposal.status === 'AWAITING_CONFIRMATION') &&
            mine && (
              <p className="note" data-testid="self-approval-note">
                自分の提案は承認できません。別の情報セキュリティ担当が承認します（二人承認）。
              </p>
            )
          )}
          {pending && mine && (
            <div className="actions">
              <label>
                取り下げの理由
                <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} />
              </label>
              <button type="button" disabled={busy || comment.trim() === ''} onClick={() => void act(WITHDRAW, { id, reason: comment.trim() }, 'withdrawRuleProposal')}>
                取り下げ
              </button>
            </div>
          )}
          <Problems error={actionError} />
        </div>
      </section>
      {proposal.changedFiles.length > 0 && <FileDiff proposalId={proposal.id} baseVersion={proposal.baseVersion} changedFiles={proposal.changedFiles} />}
      {(pending || proposal.kind === 'REVOCATION') && <DryRunMatrix id={id} />}
      {pending && <ReplayPanel id={id} />}
      {pending && <ShadowPanel proposal={proposal} onChange={(p) => setProposal(p)} busy={busy} act={act} />}
    </article>
  );
}

/** Rows = profiles, columns = the fields that change; ＋ newly readable, − newly refused. */
function DryRunMatrix({ id }: { readonly id: string }) {
  const { api } = useSession();
  const [dry, setDry] = useState<DryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<{ ruleProposalDryRun: DryRun }>(DRY_RUN, { id }).then((d) => setDry(d.ruleProposalDryRun), setError);
  }, [api, id]);
  return (
    <section className="card" aria-labelledby="dry-title" data-testid="dry-run">
      <h2 id="dry-title">影響の試算：プロファイル × 項目</h2>
      <Status loading={!dry && !error} error={error} />
      {dry && (
        <>
          <p>
            {dry.profileCount} プロファイルのうち <strong data-testid="changed-profiles">{dry.changedProfileCount}</strong> が変わります（現在の版{' '}
            <code title={dry.inForceVersion}>{shortVersion(dry.inForceVersion)}</code> と比べて）。
            {dry.revocationsAdded.length > 0 && ` 利用停止：${dry.revocationsAdded.join('、')}。`}
            {dry.revocationsRemoved.length > 0 && ` 利用停止の解除：${dry.revocationsRemoved.join('、')}。`}
          </p>
          {dry.rows.length > 0 && (
            <div className="matrix-wrap" tabIndex={0} role="region" aria-label="差分の表（横にスクロール）">
              <table className="matrix">
                <thead>
                  <tr>
                    <th scope="col">部署</th>
                    <th scope="col">役割</th>
                    <th scope="col">事務</th>
                    <th scope="col">二要素</th>
                    {dry.fields.map((f) => (
                      <th key={f} scope="col" className="field-col">
                        {fieldLabel(f)}
                        <br />
                        <small>{f}</small>
                      </th>
                    ))}
                    <th scope="col">ポリシー</th>
                  </tr>
                </thead>
                <tbody>
                  {dry.rows.map((row) => (
                    <tr key={row.profile.key}>
                      <td>{row.profile.departmentName}</td>
                      <td>{label(ROLE_NAMES, row.profile.role)}</td>
                      <td>{row.profile.purposeName}</td>
                      <td>{row.profile.mfa ? 'あり' : 'なし'}</td>
                      {dry.fields.map((f) =>
                        row.newlyAllowed.includes(f) ? (
                          <td key={f} className="cell-allowed" title="新たに読める">
                            ＋許可
                          </td>
                        ) : row.newlyRefused.includes(f) ? (
                          <td key={f} className="cell-refused" title="新たに拒否">
                            −拒否
                          </td>
                        ) : (
                          <td key={f} />
                        ),
                      )}
                      <td>
                        {row.policiesGained.map((p) => `＋${p}`).join(' ')} {row.policiesLost.map((p) => `−${p}`).join(' ')}
                        {row.profileRefusal && <div className="denied">{row.profileRefusal}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ImpactTable({ title, impact, testId }: { readonly title: string; readonly impact: Impact; readonly testId: string }) {
  return (
    <div className="impact" data-testid={testId}>
      <h3>
        {title}：<span className="figure">{impact.accessCount}</span> 件の操作（項目 {impact.fieldAccessCount} 件、対象者 {impact.personCount} 人）
      </h3>
      {impact.accessCount > 0 && (
        <div className="impact-tables">
          <table className="records">
            <caption>部署</caption>
            <tbody>
              {impact.departments.map((d) => (
                <tr key={d.department}>
                  <td>{label(DEPARTMENT_NAMES, d.department)}</td>
                  <td className="num">{d.accessCount} 件</td>
                  <td className="num">{d.userCount} 人</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="records">
            <caption>利用者</caption>
            <tbody>
              {impact.users.slice(0, 20).map((u) => (
                <tr key={u.subject}>
                  <td>
                    <a href={`#/trail?subject=${encodeURIComponent(u.subject)}`}>{u.subject}</a>
                  </td>
                  <td>{label(DEPARTMENT_NAMES, u.department)}</td>
                  <td className="num">{u.accessCount} 件</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="records">
            <caption>項目</caption>
            <tbody>
              {impact.fields.map((f) => (
                <tr key={f.coordinate}>
                  <td>{fieldLabel(f.coordinate)}</td>
                  <td className="num">{f.accessCount} 件</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {impact.sampleSequences.length > 0 && <p className="help">記録の通番（先頭）：{impact.sampleSequences.slice(0, 30).join(', ')}</p>}
    </div>
  );
}

/** The proposal replayed on the trail: last month's real accesses it would refuse or allow. */
function ReplayPanel({ id }: { readonly id: string }) {
  const { api } = useSession();
  const [period, setPeriod] = useState({ from: jstDaysAgo(30), to: jstDaysAgo(0) });
  const [replay, setReplay] = useState<Replay | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (p: { from: string; to: string }) => {
      setLoading(true);
      setError(null);
      try {
        setReplay((await api.request<{ ruleProposalReplay: Replay }>(REPLAY, { id, ...p })).ruleProposalReplay);
      } catch (caught) {
        setError(caught);
      } finally {
        setLoading(false);
      }
    },
    [api, id],
  );
  useEffect(() => {
    void run(period);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the first run only; later ones by the form
  }, [run]);
  return (
    <section className="card" aria-labelledby="replay-title" data-testid="replay">
      <h2 id="replay-title">影響の試算：証跡での再判定</h2>
      <form
        className="filter inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run(period);
        }}
      >
        <label>
          期間（から）
          <input type="date" value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} required />
        </label>
        <label>
          期間（まで）
          <input type="date" value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} required />
        </label>
        <button type="submit">再判定</button>
      </form>
      <Status loading={loading} error={error} />
      {replay && (
        <>
          <p>
            分析した操作 <span data-testid="operations-analysed">{replay.operationsAnalysed}</span> 件{replay.truncated && '（上限に達したため期間の前半のみ）'}
          </p>
          <ImpactTable title="新たに拒否される" impact={replay.newlyRefused} testId="newly-refused" />
          <ImpactTable title="新たに許可される" impact={replay.newlyAllowed} testId="newly-allowed" />
        </>
      )}
    </section>
  );
}

/** Shadow mode: the live gateways decide both ways for a while; answers follow the rules in force. */
function ShadowPanel({
  proposal,
  busy,
  act,
}: {
  readonly proposal: ProposalView;
  readonly onChange: (p: ProposalView) => void;
  readonly busy: boolean;
  readonly act: (query: string, variables: Record<string, unknown>, field: string) => Promise<void>;
}) {
  const { api } = useSession();
  const [days, setDays] = useState(7);
  const [report, setReport] = useState<{ operationsCompared: number; newlyRefused: Impact; newlyAllowed: Impact } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!proposal.shadow) return;
    api.request<{ ruleShadowReport: NonNullable<typeof report> }>(SHADOW, { id: proposal.id }).then((d) => setReport(d.ruleShadowReport), setError);
  }, [api, proposal]);
  return (
    <section className="card" aria-labelledby="shadow-title">
      <h2 id="shadow-title">シャドー運用（本番の判定と並行して試す）</h2>
      {proposal.shadow ? (
        <p>
          {proposal.shadow.active ? '実行中' : '終了'}：<When at={proposal.shadow.from} /> 〜 <When at={proposal.shadow.until} />
        </p>
      ) : (
        <p>まだ実行していません。</p>
      )}
      <div className="actions no-print">
        {proposal.shadow?.active ? (
          <button type="button" disabled={busy} onClick={() => void act(STOP_SHADOW, { id: proposal.id }, 'stopRuleShadow')}>
            シャドー運用を止める
          </button>
        ) : (
          <>
            <label>
              日数
              <input type="number" min={1} max={31} value={days} onChange={(e) => setDays(Number(e.target.value))} />
            </label>
            <button type="button" disabled={busy} onClick={() => void act(START_SHADOW, { id: proposal.id, until: new Date(Date.now() + days * 86400000).toISOString() }, 'startRuleShadow')}>
              シャドー運用を始める
            </button>
          </>
        )}
      </div>
      <Status error={error} />
      {report && (
        <>
          <p>比較した操作 {report.operationsCompared} 件</p>
          <ImpactTable title="新たに拒否される" impact={report.newlyRefused} testId="shadow-refused" />
          <ImpactTable title="新たに許可される" impact={report.newlyAllowed} testId="shadow-allowed" />
        </>
      )}
    </section>
  );
}
