import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { composeContracts, composeSupergraph, checkSupergraphFile } from '../../scripts/compose';

/**
 * Generated files are committed (reviewers read them, the gateway serves the supergraph): they
 * must be exactly what the generators produce from today's SDL.
 */

const ROOT = path.resolve(__dirname, '..', '..');

test('schema/supergraph.graphql is what `npm run compose` writes', () => {
  const outcome = composeSupergraph();
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  expect(checkSupergraphFile(path.join(ROOT, 'schema', 'supergraph.graphql'), outcome.supergraphSdl)).toEqual({ upToDate: true });
});

test('the contract supergraphs and the API schemas (schema/contracts/, schema/api/) are what `npm run compose` writes', () => {
  const outcome = composeContracts();
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  expect(outcome.files.map((file) => file.path)).toEqual(['schema/api/full.graphql', 'schema/contracts/lgwan.supergraph.graphql', 'schema/api/lgwan.graphql']);
  for (const file of outcome.files) expect({ file: file.path, ...checkSupergraphFile(path.join(ROOT, file.path), file.content) }).toEqual({ file: file.path, upToDate: true });
});

test('the typed resolvers and lib/schema-enums.ts are what `npm run codegen` writes', () => {
  // codegen's own check mode: it regenerates in memory and fails when a file would change
  // (every output of codegen.yml, lib/schema-enums.ts among them).
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.yml', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: '' });
});
