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
}

const R = FIXTURE_FIRST_RESIDENT;

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
    query: `{ residents(first: 100) { edges { node {
      id name { kanji } household { id } identityInfo { residentCode name } myNumberCard { status }
    } } } }`,
  },
  {
    id: 'c',
    title: '(c) 4-information identity search',
    persona: 'registry-clerk',
    query: `query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 20) { matches { residentCode name nameKana birthDate { iso } sex address } truncated } }`,
    variables: { criteria: { name: R.name, birthDate: R.birthIso, sex: 'MALE', address: R.address } },
    direct: {
      subgraph: 'juki-cs',
      query: `query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 20) { matches { residentCode name nameKana birthDate { iso } sex address } truncated } }`,
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
