import { LEGACY_SUBGRAPH_NAMES as SUBGRAPH_NAMES, type LegacySubgraphName as SubgraphName } from '../../lib/subgraphs';
import { startFederation, type Federation } from '../support/federation';

/**
 * One SQL round trip per entity batch: the statements each subgraph runs for a list must not
 * grow with the number of rows (DataLoader per request, one statement per batch).
 */

const LIST_WITH_HOUSEHOLD_IDENTITY_AND_CARD = /* GraphQL */ `
  query List($first: Int!) {
    residents(first: $first, filter: { status: [RESIDENT] }) {
      edges {
        node {
          id
          individualNumber
          name { kanji }
          household { id head { id } members { id name { kanji } } }
          identityInfo { residentCode individualNumber changeReason }
          informationLinkage { codeStatus provisionRecords { result } }
          myNumberCard { status events { status } reservation { scheduledAt } }
        }
      }
    }
  }
`;

const ROW_COUNTS = [1, 10, 100, 1000];

describe('SQL statements per operation do not grow with rows', () => {
  let federation: Federation;
  const counts: Record<number, Record<SubgraphName, number>> = {};

  beforeAll(async () => {
    federation = await startFederation();
    for (const rows of ROW_COUNTS) {
      federation.resetStatements();
      const { body } = await federation.query<{ residents: { edges: unknown[] } }>('registry-clerk', LIST_WITH_HOUSEHOLD_IDENTITY_AND_CARD, { first: rows });
      expect(body.errors).toBeUndefined();
      expect(body.data!.residents.edges).toHaveLength(rows);
      counts[rows] = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, federation.statements[name].length])) as Record<SubgraphName, number>;
    }
    // Printed for the closing note and for anyone tuning the adapters.
    console.log(`SQL statements per subgraph by rows:\n${JSON.stringify(counts, null, 2)}`);
  });
  afterAll(async () => {
    await federation?.stop();
  });

  test.each(SUBGRAPH_NAMES)('%s runs the same number of statements for 1, 10, 100 and 1,000 residents', (name) => {
    const perRows = ROW_COUNTS.map((rows) => counts[rows][name]);
    expect(perRows[0]).toBeGreaterThan(0);
    expect(new Set(perRows).size).toBe(1);
  });
});
