/** The four workloads of issue 5, as GraphQL operations, and who may run them. */
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import type { SubgraphName } from '../../lib/subgraphs';

export type WorkloadId = 'a' | 'b' | 'c' | 'd';

export interface Workload {
  readonly id: WorkloadId;
  readonly title: string;
  /** Persona whose tokens the requests carry (allowed every field asked for). */
  readonly persona: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The same question asked of one subgraph directly, where it is a single-subgraph question. */
  readonly direct?: { readonly subgraph: SubgraphName; readonly query: string; readonly variables?: Record<string, unknown>; readonly note: string };
  /**
   * A workload that reads a list: its operation for any number of rows (same variables), so the
   * SQL-statement test (test/e2e/sql-statements.test.ts) can ask for 1 … 1,000 rows of the very
   * operation the bench runs. `query` (and `direct.query`) are `query(rows.bench)`.
   */
  readonly rows?: WorkloadRows;
}

export interface WorkloadRows {
  /** Rows the bench asks for. */
  readonly bench: number;
  /** The most the API returns in one request (more is refused with BAD_USER_INPUT). */
  readonly max: number;
  /** The gateway operation for `rows` rows. */
  query(rows: number): string;
}

const R = FIXTURE_FIRST_RESIDENT;

/** (b): a page of `rows` residents with their household, CS identity and card status. */
export function residentsWorkloadQuery(rows: number): string {
  return `{ residents(first: ${rows}) { edges { node {
      id name { kanji } household { id } identityInfo { residentCode name } myNumberCard { status }
    } } } }`;
}

/** (c): a 4-information search returning at most `first` matches (the gateway's and the CS's operation alike). */
export function identitySearchWorkloadQuery(first: number): string {
  return `query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: ${first}) { matches { residentCode name nameKana birthDate { iso } sex address } truncated } }`;
}

/** Page sizes: residents(first ≤ 1000) in the register, searchIdentity(first ≤ 100) in the CS. */
const RESIDENTS_MAX_PAGE = 1000;
const IDENTITY_SEARCH_MAX = 100;

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'a',
    title: '(a) one resident, fields from 4 subgraphs',
    persona: 'registry-clerk',
    query: `query ($id: ID!) { resident(id: $id) {
      id individualNumber name { kanji kana } birthDate { iso } sex status address { full }
      residentCode identityInfo { name address changeReason }
      informationLinkage { integratedAddressNumber codeStatus }
      myNumberCard { status appliedOn { iso } }
    } }`,
    variables: { id: R.addressNumber },
    direct: {
      subgraph: 'residents',
      query: `query ($id: ID!) { resident(id: $id) { id individualNumber name { kanji kana } birthDate { iso } sex status address { full } } }`,
      variables: { id: R.addressNumber },
      note: "the residents subgraph's part of (a)",
    },
  },
  {
    id: 'b',
    title: '(b) 100 residents + household, identity, card status',
    persona: 'registry-clerk',
    query: residentsWorkloadQuery(100),
    rows: { bench: 100, max: RESIDENTS_MAX_PAGE, query: residentsWorkloadQuery },
  },
  {
    id: 'c',
    title: '(c) 4-information identity search',
    persona: 'registry-clerk',
    query: identitySearchWorkloadQuery(20),
    variables: { criteria: { name: R.name, birthDate: R.birthIso, sex: 'MALE', address: R.address } },
    rows: { bench: 20, max: IDENTITY_SEARCH_MAX, query: identitySearchWorkloadQuery },
    direct: {
      subgraph: 'juki-cs',
      query: identitySearchWorkloadQuery(20),
      variables: { criteria: { name: R.name, birthDate: R.birthIso, sex: 'MALE', address: R.address } },
      note: 'juki-cs alone (the whole of (c))',
    },
  },
  {
    id: 'd',
    title: '(d) dashboard aggregate (populationStatistics)',
    persona: 'dx-analyst',
    query: `{ populationStatistics { asOf minimumCellSize residentTotal byDistrict { key count } byAgeBand { key count } bySex { key count } byResidentType { key count } byStatus { key count } } }`,
    direct: {
      subgraph: 'residents',
      query: `{ populationStatistics { asOf minimumCellSize residentTotal byDistrict { key count } byAgeBand { key count } bySex { key count } byResidentType { key count } byStatus { key count } } }`,
      note: 'residents alone (the whole of (d))',
    },
  },
];
