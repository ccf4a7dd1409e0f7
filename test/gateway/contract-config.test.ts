import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../gateway/config';
import { contractOfSupergraph } from '../../lib/contracts/files';

/** GATEWAY_CONTRACT: which supergraph a segment's gateway serves (README "Contracts"). */

const ROOT = path.resolve(__dirname, '..', '..');

test('the contract selects its supergraph; full is the default', () => {
  expect(loadConfig({ AUTH_MODE: 'dev' })).toMatchObject({ contract: 'full', supergraphPath: path.join(ROOT, 'schema', 'supergraph.graphql') });
  expect(loadConfig({ AUTH_MODE: 'dev', GATEWAY_CONTRACT: 'lgwan' })).toMatchObject({ contract: 'lgwan', supergraphPath: path.join(ROOT, 'schema', 'contracts', 'lgwan.supergraph.graphql') });
  // The files say which contract they were built for; the gateway refuses a mismatch when it loads one.
  expect(contractOfSupergraph(fs.readFileSync(path.join(ROOT, 'schema', 'contracts', 'lgwan.supergraph.graphql'), 'utf8'))).toBe('lgwan');
  expect(contractOfSupergraph(fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'))).toBe('full');
});

test('a gateway asked for a contract that was never built refuses to start', () => {
  expect(() => loadConfig({ GATEWAY_CONTRACT: 'internet', AUTH_MODE: 'dev' })).toThrow(ConfigError);
  expect(() => loadConfig({ GATEWAY_CONTRACT: 'internet', AUTH_MODE: 'dev' })).toThrow(/schema\/contracts\/internet\.supergraph\.graphql does not exist/);
  expect(() => loadConfig({ GATEWAY_CONTRACT: '../full', AUTH_MODE: 'dev' })).toThrow(/GATEWAY_CONTRACT must be a contract name/);
});
