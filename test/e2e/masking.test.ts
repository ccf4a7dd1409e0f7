import fs from 'node:fs';
import knexFactory from 'knex';
import * as fixtures from '../../generator/fixtures';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_FOREIGN_RESIDENT, FIXTURE_SPECIAL_PERMANENT } from '../../generator/fixtures';
import { maskValue } from '../../lib/authorization/mask';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditRecord } from '../../lib/audit/types';
import { postToSubgraph } from '../support/gateway-identity';
import { policyCopy } from '../support/policy-copy';
import { startFederation, type Federation } from '../support/federation';

/**
 * Masking as a rule outcome (policies.yaml `mask: last-four`): the 課税課's counter
 * (`tax-clerk` declaring purpose local-tax-counter) sees `********5148`, never more than the last
 * four characters of an individual number or a residence-card number — not in the data, not in an
 * error, not in an extension, not in the audit trail — and the record says the field was masked.
 * The same clerk doing assessment work (local-tax, a grant in full) still reads all twelve digits.
 */

const COUNTER = { 'x-purpose': 'local-tax-counter' };

/** Every number of every fixture person: 個人番号 and 在留カード / 特別永住者証明書 numbers. */
const FIXTURE_NUMBERS: string[] = (Object.values(fixtures) as unknown[])
  .filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null)
  .flatMap((fixture) => [fixture['individualNumber'], fixture['residenceCardNumber'], fixture['specialPermanentResidentCertificateNumber'], fixture['specialPermanentCertificateNumber'], fixture['certificateNumber']])
  .filter((value): value is string => typeof value === 'string');

/** The pieces of a number that must never appear: itself and every run of 8 of its characters (4 or more hidden ones). */
function forbiddenPieces(number: string): string[] {
  const pieces = new Set([number]);
  for (let start = 0; start + 8 <= number.length; start += 1) pieces.add(number.slice(start, start + 8));
  return [...pieces];
}

function leaks(text: string, numbers: readonly string[]): string[] {
  return numbers.flatMap((number) => forbiddenPieces(number).filter((piece) => text.includes(piece)).map((piece) => `${number}: ${piece}`));
}

const PERSON_QUERY = `{
  residents(first: 100) { edges { node { id name { kanji } individualNumber } } }
  first: resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id individualNumber }
}`;

/**
 * The shipped rules, plus (for this suite only) the same mechanism on the other numbers: the
 * branch office's resident section reads residence-card numbers and 住民票コード masked
 * (`branch-clerk`), the registry division still in full.
 */
function policyWithBranchMasks(): string {
  const split = (text: string, policy: string): string => {
    const start = text.indexOf(`\n  ${policy}:\n`);
    const end = text.indexOf('\n\n', start + 1);
    const section = text.slice(start, end);
    const both = `      - roles: [clerk]
        departments: [registry-division, setagaya-branch-resident-section]
        purposes: [resident-registry]
        mfa: optional`;
    if (!section.includes(both)) throw new Error(`policies.yaml: ${policy} has no grant to split`);
    const edited = section.replace(both, both.replace(', setagaya-branch-resident-section', '') + '\n' + both.replace('registry-division, ', '') + '\n        mask: last-four');
    return text.slice(0, start) + edited + text.slice(end);
  };
  return policyCopy((name, text) => (name === 'policies.yaml' ? split(split(text, 'foreign_resident_card'), 'cs_identity') : text));
}

describe('masked grants (policies.yaml masks)', () => {
  let federation: Federation;
  let store: AuditStore;
  let policyDir: string;

  beforeAll(async () => {
    policyDir = policyWithBranchMasks();
    federation = await startFederation({ policyDir });
    store = await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
  });

  afterAll(async () => {
    await store?.close();
    await federation?.stop();
    if (policyDir) fs.rmSync(policyDir, { recursive: true, force: true });
  });

  async function recordOf(requestId: string | null): Promise<AuditRecord> {
    const page = await store.query({}, { first: 1000 });
    const found = page.records.find((record) => record.requestId === requestId);
    if (!found) throw new Error(`no audit record for ${requestId}`);
    return found;
  }

  test('the fixtures hold the numbers this test looks for', () => {
    expect(FIXTURE_NUMBERS).toEqual(expect.arrayContaining([FIXTURE_FIRST_RESIDENT.individualNumber, FIXTURE_FOREIGN_RESIDENT.residenceCardNumber]));
    expect(FIXTURE_NUMBERS.length).toBeGreaterThanOrEqual(14);
  });

  test('the counter sees the last four digits only, everywhere in the answer and the trail; the record says masked', async () => {
    const query = PERSON_QUERY;
    const masked = await federation.query<Record<string, any>>('tax-clerk', query, undefined, COUNTER);
    expect(masked.status).toBe(200);
    expect(masked.body.errors).toBeUndefined();
    expect(masked.body.data!.first.individualNumber).toBe(`********${FIXTURE_FIRST_RESIDENT.individualNumber.slice(-4)}`);
    const nodes = masked.body.data!.residents.edges.map((edge: { node: Record<string, any> }) => edge.node);
    expect(nodes.length).toBeGreaterThan(50);
    // Every number in the answer is masked (persons without one have null).
    for (const node of nodes) if (node.individualNumber !== null) expect(node.individualNumber).toMatch(/^\*{8}\d{4}$/);

    // The same clerk's assessment work (local-tax: in full) reads every number: the ones to look for.
    const full = await federation.query<Record<string, any>>('tax-clerk', query);
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data!.first.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    const fullNumbers = full.body.data!.residents.edges.flatMap((edge: { node: Record<string, any> }) => [edge.node.individualNumber].filter((value): value is string => typeof value === 'string'));
    expect(fullNumbers.length).toBeGreaterThan(50);
    // Masked values are exactly the full ones with the first eight starred.
    const maskedNumbers = nodes.map((node: Record<string, any>) => node.individualNumber).filter((value: unknown): value is string => typeof value === 'string');
    expect(maskedNumbers).toEqual(fullNumbers.map((number: string) => maskValue(number, { keepLast: 4 })));

    const numbers = [...new Set([...FIXTURE_NUMBERS, ...fullNumbers])];
    expect(leaks(masked.raw, numbers)).toEqual([]);
    expect(leaks(full.raw, [FIXTURE_FIRST_RESIDENT.individualNumber])).not.toEqual([]); // the search can find one

    const record = await recordOf(masked.response.headers.get('x-request-id'));
    expect(record.purpose).toBe('local-tax-counter');
    expect(record.grantedFields).toEqual(expect.arrayContaining(['Resident.individualNumber']));
    expect(record.maskedFields).toEqual([{ coordinate: 'Resident.individualNumber', mask: 'last-four' }]);
    const fullRecord = await recordOf(full.response.headers.get('x-request-id'));
    expect(fullRecord.maskedFields).toBeUndefined();
  });

  test('refusals and errors of the masked profile carry no number either', async () => {
    const number = FIXTURE_FIRST_RESIDENT.individualNumber;
    const cases = [
      // A lookup BY the number: the counter may not (no CS identity), and the refusal does not echo it.
      `{ identityByIndividualNumber(individualNumber: "${number}") { name individualNumber } }`,
      `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { individualNumber residentCode identityInfo { individualNumber } } }`,
      `{ residents(filter: { kanaPrefix: "${number}" }, first: 1) { edges { node { individualNumber } } } }`,
      `{ resident(id: "${number}") { individualNumber } }`,
    ];
    for (const query of cases) {
      const { raw, body } = await federation.query<Record<string, any>>('tax-clerk', query, undefined, COUNTER);
      expect(leaks(raw, FIXTURE_NUMBERS)).toEqual([]);
      expect(body.errors?.length ?? 0).toBeGreaterThanOrEqual(query.includes('residentCode') || query.includes('identityBy') ? 1 : 0);
    }
  });

  test('the second line: the subgraph itself answers the counter masked, and the assessment in full', async () => {
    const query = `query($id: ID!) { resident(id: $id) { individualNumber } }`;
    const variables = { id: FIXTURE_FOREIGN_RESIDENT.addressNumber };
    const options = { keysPath: federation.identityKeysPath, policyDir };
    const counter = await postToSubgraph<Record<string, any>>(federation.subgraphs.residents, query, variables, 'tax-clerk', { keysPath: options.keysPath, claims: { purpose: 'local-tax-counter' } });
    expect(counter.body.errors).toBeUndefined();
    expect(counter.body.data!.resident.individualNumber).toBe(`********${FIXTURE_FOREIGN_RESIDENT.individualNumber.slice(-4)}`);
    expect(leaks(counter.raw, FIXTURE_NUMBERS)).toEqual([]);
    const assessment = await postToSubgraph<Record<string, any>>(federation.subgraphs.residents, query, variables, 'tax-clerk', { keysPath: options.keysPath });
    expect(assessment.body.data!.resident.individualNumber).toBe(FIXTURE_FOREIGN_RESIDENT.individualNumber);
  });

  test('the same mechanism on residence-card numbers and 住民票コード (a branch office reading them masked); an object under a masked grant is refused', async () => {
    const query = `{
      foreign: resident(id: "${FIXTURE_FOREIGN_RESIDENT.addressNumber}") { residentCode individualNumber foreignResident { residenceCardNumber } }
      special: resident(id: "${FIXTURE_SPECIAL_PERMANENT.addressNumber}") { foreignResident { specialPermanentResidentCertificateNumber } }
      first: resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id residentCode }
    }`;
    const branch = await federation.query<Record<string, any>>('branch-clerk', query);
    expect(branch.body.errors).toBeUndefined();
    expect(branch.body.data).toEqual({
      foreign: {
        residentCode: maskValue(FIXTURE_FOREIGN_RESIDENT.residentCode, { keepLast: 4 }),
        // individual_number is granted to the branch in full.
        individualNumber: FIXTURE_FOREIGN_RESIDENT.individualNumber,
        foreignResident: { residenceCardNumber: '********78CD' },
      },
      special: { foreignResident: { specialPermanentResidentCertificateNumber: '********78KR' } },
      first: { id: FIXTURE_FIRST_RESIDENT.addressNumber, residentCode: `*******${FIXTURE_FIRST_RESIDENT.residentCode.slice(-4)}` },
    });
    expect(leaks(branch.raw, [FIXTURE_FOREIGN_RESIDENT.residenceCardNumber, FIXTURE_FIRST_RESIDENT.residentCode, FIXTURE_FOREIGN_RESIDENT.residentCode, 'SP12345678KR'])).toEqual([]);
    const record = await recordOf(branch.response.headers.get('x-request-id'));
    expect(record.maskedFields?.map((field) => field.coordinate)).toEqual([
      'ForeignResident.residenceCardNumber',
      'ForeignResident.specialPermanentResidentCertificateNumber',
      'Resident.residentCode',
    ]);
    // The registry division keeps them in full.
    const registry = await federation.query<Record<string, any>>('registry-clerk', query);
    expect(registry.body.data!.foreign.foreignResident.residenceCardNumber).toBe(FIXTURE_FOREIGN_RESIDENT.residenceCardNumber);
    expect(registry.body.data!.first.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);
    // A masked grant has no masked form for an object, nor for a lookup BY the code: refused, never in full.
    for (const refused of [
      `{ identityByResidentCode(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}") { name } }`,
      `{ residentByCode(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}") { id } }`,
      `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { identityInfo { residentCode } } }`,
    ]) {
      const lookup = await federation.query<Record<string, any>>('branch-clerk', refused);
      expect(lookup.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', policy: 'cs_identity', reason: expect.stringMatching(/masked only \(mask "last-four"\)/) });
      expect(leaks(lookup.raw, [FIXTURE_FIRST_RESIDENT.residentCode])).toEqual([]);
    }
  });
  test('the audit trail (every row of every table, the records of all the above) holds no fixture number, and says masked', async () => {
    const db = knexFactory({ client: 'better-sqlite3', connection: { filename: federation.auditFile }, useNullAsDefault: true });
    try {
      const tables = (await db.raw("select name from sqlite_master where type = 'table'")) as { name: string }[];
      const dump = (await Promise.all(tables.map(async ({ name }) => JSON.stringify(await db.select('*').from(name))))).join('\n');
      expect(dump).toContain('last-four');
      expect(leaks(dump, FIXTURE_NUMBERS)).toEqual([]);
      // Records with maskedFields chain and verify like any other.
      expect(await store.verify()).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});
