import { FIXTURE_FIRST_RESIDENT, FIXTURE_FEB29_COMMON_YEAR } from '../../generator/fixtures';
import { startFederation, type Federation } from '../support/federation';

/**
 * End to end through the gateway: a clerk's query that joins all four legacy systems, each
 * answered from its own subgraph and database.
 */

const ONE_RESIDENT = /* GraphQL */ `
  query OneResident($id: ID!) {
    resident(id: $id) {
      id
      residentCode
      individualNumber
      name { kanji kana }
      birthDate { iso wareki precision raw }
      address { full }
      household { id head { id } members { id name { kanji } relationshipToHead { label } } }
      identityInfo { residentCode name individualNumber birthDate { iso wareki raw } }
      informationLinkage { integratedAddressNumber codeStatus provisionRecords { requestedAt requester legalBasis items result autoResponse } }
      myNumberCard { status events { status occurredAt } reservation { scheduledAt state } }
    }
  }
`;

describe('the federation end to end', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(async () => {
    await federation?.stop();
  });

  test('one resident with fields from all four subgraphs, each from its own database', async () => {
    federation.resetStatements();
    const { status, body } = await federation.query<{ resident: Record<string, any> }>('registry-clerk', ONE_RESIDENT, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const resident = body.data!.resident;

    // residents (住民記録システム)
    expect(resident.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(resident.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);
    expect(resident.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    expect(resident.name.kanji).toBe(FIXTURE_FIRST_RESIDENT.name);
    expect(resident.birthDate).toEqual({ iso: FIXTURE_FIRST_RESIDENT.birthIso, wareki: '昭和50年4月12日', precision: 'DAY', raw: FIXTURE_FIRST_RESIDENT.birthRaw });
    expect(resident.household.id).toBe(FIXTURE_FIRST_RESIDENT.householdNumber);
    expect(resident.household.head.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(resident.household.members.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([FIXTURE_FIRST_RESIDENT.addressNumber, FIXTURE_FEB29_COMMON_YEAR.addressNumber]),
    );

    // juki-cs (市町村CS): the same person, the same 住民票コード and individual number
    expect(resident.identityInfo.residentCode).toBe(FIXTURE_FIRST_RESIDENT.residentCode);
    expect(resident.identityInfo.individualNumber).toBe(FIXTURE_FIRST_RESIDENT.individualNumber);
    expect(resident.identityInfo.birthDate).toEqual({ iso: FIXTURE_FIRST_RESIDENT.birthIso, wareki: '昭和50年4月12日', raw: FIXTURE_FIRST_RESIDENT.csBirthRaw });

    // intermediate (中間サーバ)
    expect(resident.informationLinkage.integratedAddressNumber).toMatch(/^\d{15}$/);
    expect(['NOT_REQUESTED', 'REQUESTED', 'ACQUIRED', 'FAILED']).toContain(resident.informationLinkage.codeStatus);
    expect(Array.isArray(resident.informationLinkage.provisionRecords)).toBe(true);

    // card-progress (カード交付進捗)
    expect(resident.myNumberCard.status).toBe(FIXTURE_FIRST_RESIDENT.cardStatus);
    expect(resident.myNumberCard.events.map((e: { status: string }) => e.status)).toEqual(expect.arrayContaining(['APPLIED', 'ISSUED']));

    // Each part came from its own subgraph's database.
    for (const name of ['residents', 'juki-cs', 'intermediate', 'card-progress'] as const) {
      expect(federation.statements[name].length).toBeGreaterThan(0);
    }
  });

  test('a list across subgraphs, with cursor pagination', async () => {
    const LIST = /* GraphQL */ `
      query List($after: String) {
        residents(first: 5, after: $after, filter: { status: [RESIDENT] }) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { cursor node { id name { kanji } identityInfo { residentCode } myNumberCard { status } } }
        }
      }
    `;
    const first = await federation.query<{ residents: any }>('registry-clerk', LIST);
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data!.residents;
    expect(page1.edges).toHaveLength(5);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.totalCount).toBeGreaterThan(5);
    for (const edge of page1.edges) expect(edge.node.identityInfo.residentCode).toMatch(/^\d{11}$/);

    const second = await federation.query<{ residents: any }>('registry-clerk', LIST, { after: page1.pageInfo.endCursor });
    const page2 = second.body.data!.residents;
    const ids1 = page1.edges.map((e: any) => e.node.id);
    const ids2 = page2.edges.map((e: any) => e.node.id);
    expect(ids2).toHaveLength(5);
    expect(ids2.filter((id: string) => ids1.includes(id))).toEqual([]);
    expect([...ids1, ...ids2]).toEqual([...ids1, ...ids2].sort());
  });

  test('the CS and the register agree for every person on a page', async () => {
    const { body } = await federation.query<{ residents: any }>(
      'registry-clerk',
      `{ residents(first: 200) { edges { node { residentCode individualNumber identityInfo { residentCode individualNumber } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    for (const { node } of body.data!.residents.edges) {
      expect(node.identityInfo.residentCode).toBe(node.residentCode);
      expect(node.identityInfo.individualNumber).toBe(node.individualNumber);
    }
  });

  test('without a token nothing is answered: HTTP 401, no data', async () => {
    const { status, body, raw } = await federation.query(null, ONE_RESIDENT, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(status).toBe(401);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(raw).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    expect(raw).not.toContain('山田');
  });

  test('a bad individual number in a CS lookup is a clear error that does not echo it', async () => {
    const { body, raw } = await federation.query('registry-clerk', `{ identityByIndividualNumber(individualNumber: "123456789012") { residentCode } }`);
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toMatch(/check digit/i);
    expect(raw).not.toContain('123456789012');
  });

  test('dashboard aggregates: population and card statistics with small cells suppressed', async () => {
    const { body } = await federation.query<any>(
      'dx-analyst',
      `{ populationStatistics { minimumCellSize residentTotal bySex { key count suppressed } byDistrict { key label count suppressed } byAgeBand { key count suppressed } }
         cardIssuanceStatistics { byStatus { key count suppressed } byOffice { key label count suppressed } } }`,
    );
    expect(body.errors).toBeUndefined();
    const stats = body.data.populationStatistics;
    expect(stats.minimumCellSize).toBe(10);
    expect(stats.residentTotal).toBeGreaterThan(1000);
    const sexTotal = stats.bySex.reduce((sum: number, c: any) => sum + (c.count ?? 0), 0);
    expect(sexTotal).toBe(stats.residentTotal);
    for (const cell of [...stats.byDistrict, ...stats.byAgeBand, ...body.data.cardIssuanceStatistics.byOffice]) {
      if (cell.suppressed) expect(cell.count).toBeNull();
      else expect(cell.count).toBeGreaterThanOrEqual(10);
    }
  });
});
