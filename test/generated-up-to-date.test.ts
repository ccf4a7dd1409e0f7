import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { composeSupergraph, checkSupergraphFile, fullApiSchemaFile } from '../scripts/compose';

/**
 * Generated files are committed (reviewers read them, the gateway serves the supergraph): they
 * must be exactly what the generators produce from today's SDL.
 */

const ROOT = path.resolve(__dirname, '..');

test('schema/supergraph.graphql is what `npm run compose` writes', () => {
  const outcome = composeSupergraph();
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  expect(checkSupergraphFile(path.join(ROOT, 'schema', 'supergraph.graphql'), outcome.supergraphSdl)).toEqual({ upToDate: true });
});

test('schema/api/full.graphql (the API schema apps generate from) is what `npm run compose` writes', () => {
  const outcome = composeSupergraph();
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  expect(checkSupergraphFile(path.join(ROOT, 'schema', 'api', 'full.graphql'), fullApiSchemaFile(outcome.supergraphSdl))).toEqual({ upToDate: true });
});

test('the typed resolvers are what `npm run codegen` writes', () => {
  // codegen's own check mode: it regenerates in memory and fails when a file would change.
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.yml', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: '' });
});
