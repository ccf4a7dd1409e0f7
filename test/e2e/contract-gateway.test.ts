import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { postGraphQL } from '../support/graphql';
import { startFederation, type Federation } from '../support/federation';

/**
 * A gateway for the LGWAN side (GATEWAY_CONTRACT=lgwan) beside the full one, over the same real
 * subgraphs: it serves the contract's schema only. A removed field is not refused, it does not
 * exist (GRAPHQL_VALIDATION_FAILED); introspection does not show it; the CS and the 中間サーバ are
 * never called; and a DX dashboard's operations answer exactly as on the full gateway.
 */

const CONTRACT_SUPERGRAPH = path.resolve(__dirname, '..', '..', 'schema', 'contracts', 'lgwan.supergraph.graphql');

/** The dashboard's operations (DX推進担当課, workload (d) and the federation test's aggregate). */
const DASHBOARD_OPERATIONS = [
  `query Population { populationStatistics { asOf minimumCellSize residentTotal byDistrict { key label count suppressed } byAgeBand { key count suppressed } bySex { key count suppressed } byResidentType { key count } byStatus { key count } } }`,
  `query Cards { cardIssuanceStatistics { byStatus { key count suppressed } byOffice { key label count suppressed } } }`,
];

describe('a contract gateway (lgwan) beside the full gateway', () => {
  let federation: Federation;
  let lgwan: RunningGateway;
  let workDir: string;

  beforeAll(async () => {
    federation = await startFederation();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-lgwan-'));
    lgwan = await startGateway({
      config: {
        ...federation.gatewayConfig,
        port: 0,
        contract: 'lgwan',
        supergraphPath: CONTRACT_SUPERGRAPH,
        audit: { env: { ...federation.gatewayConfig.audit.env, AUDIT_DB_FILE: path.join(workDir, 'audit.sqlite') } },
      },
    });
  });

  afterAll(async () => {
    await lgwan?.stop();
    await federation?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const onLgwan = async (persona: string, query: string, variables?: Record<string, unknown>) =>
    postGraphQL(lgwan.url, query, variables, { authorization: `Bearer ${await federation.token(persona)}` });

  test('a gateway configured for lgwan refuses to serve a supergraph built for another contract', async () => {
    await expect(
      startGateway({
        config: {
          ...federation.gatewayConfig,
          port: 0,
          contract: 'lgwan',
          supergraphPath: path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'),
          audit: { env: { ...federation.gatewayConfig.audit.env, AUDIT_DB_FILE: path.join(workDir, 'refused.sqlite') } },
        },
      }),
    ).rejects.toThrow(/built for contract "full", this gateway serves "lgwan"/);
  });

  test('/healthz names the contract each gateway serves', async () => {
    const full = (await (await fetch(new URL("/healthz", federation.gatewayUrl))).json()) as { contract: string };
    const contract = (await (await fetch(new URL("/healthz", lgwan.url))).json()) as { contract: string };
    expect({ full: full.contract, lgwan: contract.contract }).toEqual({ full: 'full', lgwan: 'lgwan' });
  });

  test.each(DASHBOARD_OPERATIONS)("the dashboard's operation answers the same on both: %s", async (query) => {
    const full = await federation.query('dx-analyst', query);
    const contract = await onLgwan('dx-analyst', query);
    expect(full.body.errors).toBeUndefined();
    expect(contract.status).toBe(200);
    expect(contract.body).toEqual(full.body);
  });

  test.each([
    ['an individual number', `query($id: ID!) { resident(id: $id) { id individualNumber } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }],
    ['a 住民票コード', `query($id: ID!) { resident(id: $id) { residentCode } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }],
    ['a lookup by 住民票コード', `query($code: String!) { residentByCode(residentCode: $code) { id } }`, { code: FIXTURE_FIRST_RESIDENT.residentCode }],
    ['a lookup by individual number', `query($n: String!) { identityByIndividualNumber(individualNumber: $n) { name } }`, { n: FIXTURE_FIRST_RESIDENT.individualNumber }],
    ['a support measure', `query($id: ID!) { resident(id: $id) { supportMeasure { kind } } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }],
    ['the 中間サーバ', `query($id: ID!) { resident(id: $id) { informationLinkage { integratedAddressNumber } } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }],
  ])('%s does not exist on the LGWAN side: GRAPHQL_VALIDATION_FAILED, no subgraph asked', async (_name, query, variables) => {
    federation.resetStatements();
    // The registry clerk may read all of it on the full gateway …
    const full = await federation.query('registry-clerk', query, variables);
    expect(full.status).toBe(200);
    expect(full.body.errors ?? []).toEqual([]);
    federation.resetStatements();
    // … and on the LGWAN gateway it is not there to be asked for.
    const contract = await onLgwan('registry-clerk', query, variables);
    expect(contract.status).toBe(400);
    expect(contract.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(contract.body.data).toBeUndefined();
    expect(contract.raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    expect(Object.values(federation.statements).flat()).toEqual([]);
  });

  test("introspection (for a role allowed it) shows none of the removed fields or types", async () => {
    const { body } = await onLgwan('registry-clerk', `{ resident: __type(name: "Resident") { fields { name } } query: __type(name: "Query") { fields { name args { name } } } __schema { types { name } } }`);
    expect(body.errors).toBeUndefined();
    const residentFields = body.data!.resident.fields.map((field: { name: string }) => field.name);
    expect(residentFields).toEqual(expect.arrayContaining(['id', 'name', 'address', 'myNumberCard']));
    for (const removed of ['individualNumber', 'residentCode', 'supportMeasure', 'identityInfo', 'informationLinkage']) expect(residentFields).not.toContain(removed);
    const types = body.data!.__schema.types.map((type: { name: string }) => type.name);
    for (const removed of ['IdentityInfo', 'IdentitySearchCriteria', 'SupportMeasure', 'InformationLinkage', 'ProvisionRecord']) expect(types).not.toContain(removed);
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/individualNumber|residentCode|integratedAddressNumber/);
  });

  test('the widest person query the contract allows reads neither the CS, the 中間サーバ nor the individual-number table', async () => {
    federation.resetStatements();
    const { body } = await onLgwan(
      'registry-clerk',
      `query($id: ID!) { resident(id: $id) { id name { kanji kana } birthDate { iso } address { full } household { id members { id name { kanji } } } foreignResident { nationality } myNumberCard { status events { status } } } }`,
      { id: FIXTURE_FIRST_RESIDENT.addressNumber },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.resident.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(federation.statements['juki-cs']).toEqual([]);
    expect(federation.statements.intermediate).toEqual([]);
    expect(federation.statements.residents.length).toBeGreaterThan(0);
    expect(federation.statements.residents.join('\n')).not.toMatch(/KOJIN_BANGO|SHIEN_SOCHI/);
  });
});
