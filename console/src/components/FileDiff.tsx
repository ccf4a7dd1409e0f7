import { useEffect, useState } from 'react';
import { useSession } from '../session';
import { Status } from './Status';
import { hunks, lineDiff } from '../diff';

const FILES = `query ConsoleProposalFiles($id: ID!, $base: ID!) {
  ruleProposal(id: $id) { files { name content } }
  ruleVersion(id: $base) { files { name content } }
}`;

interface FilesData {
  ruleProposal: { files: { name: string; content: string }[] } | null;
  ruleVersion: { files: { name: string; content: string }[] } | null;
}

/** What the second officer approves, line by line: each changed file against the proposal's base. */
export function FileDiff({ proposalId, baseVersion, changedFiles }: { readonly proposalId: string; readonly baseVersion: string; readonly changedFiles: readonly string[] }) {
  const { api } = useSession();
  const [data, setData] = useState<FilesData | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<FilesData>(FILES, { id: proposalId, base: baseVersion }).then(setData, setError);
  }, [api, proposalId, baseVersion]);
  return (
    <section className="card" aria-labelledby="diff-title" data-testid="file-diff">
      <h2 id="diff-title">変更の内容（元の版との差分）</h2>
      <Status loading={!data && !error} error={error} />
      {data &&
        changedFiles.map((name) => {
          const before = data.ruleVersion?.files.find((f) => f.name === name)?.content ?? '';
          const after = data.ruleProposal?.files.find((f) => f.name === name)?.content ?? '';
          return (
            <div key={name} className="diff">
              <h3>{name}</h3>
              <pre className="diff-lines" tabIndex={0} aria-label={`${name} の差分`}>
                {hunks(lineDiff(before, after)).map((line, index) =>
                  line === null ? (
                    <span key={index} className="diff-gap">
                      {'⋯\n'}
                    </span>
                  ) : (
                    <span key={index} className={`diff-${line.kind}`}>
                      {`${line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '} ${String(line.newLine ?? line.oldLine ?? '').padStart(4)}  ${line.text}\n`}
                    </span>
                  ),
                )}
              </pre>
            </div>
          );
        })}
    </section>
  );
}
