/**
 * What the 課税課's screen does: find a resident by the four basic items (基本4情報: name,
 * birth date, sex, address), then show the one the clerk picks. The register searches by kana
 * prefix, birth date and address code; sex narrows the answer here.
 */
import { execute, type GatewayClientOptions } from './client';
import type { Sex, TaxLookupSearchQuery, TaxLookupShowQuery } from './gql/graphql';
import { SearchResidents, ShowResident } from './operations';

export interface FourBasicItems {
  /** フリガナ, its beginning (e.g. the surname). */
  readonly kana: string;
  /** 生年月日, ISO YYYY-MM-DD. */
  readonly birthDate: string;
  readonly sex?: Sex;
  /** 住所コード prefix (4 digits: a district; 6: one chōme). */
  readonly addressCode?: string;
}

export type Candidate = TaxLookupSearchQuery['residents']['edges'][number]['node'];
export type Person = NonNullable<TaxLookupShowQuery['resident']>;

export async function searchResidents(client: GatewayClientOptions, items: FourBasicItems): Promise<Candidate[]> {
  const result = await execute(client, SearchResidents, {
    kanaPrefix: items.kana,
    birthDate: items.birthDate,
    ...(items.addressCode ? { addressCode: items.addressCode } : {}),
  });
  const nodes = result.data?.residents.edges.map((edge) => edge.node) ?? [];
  return items.sex ? nodes.filter((node) => node.sex === items.sex) : nodes;
}

export interface Shown {
  readonly person: Person | null;
  /** Why a field is empty (e.g. UNAUTHORIZED_FIELD_OR_TYPE for a field the rules refuse). */
  readonly refusals: readonly string[];
}

export async function showResident(client: GatewayClientOptions, id: string): Promise<Shown> {
  const result = await execute(client, ShowResident, { id });
  return { person: result.data?.resident ?? null, refusals: result.errors.map((error) => `${(error.path ?? []).join('.')}: ${error.extensions?.code ?? 'ERROR'}`) };
}

/** One line per candidate, as the CLI prints it. */
export function candidateLine(candidate: Candidate): string {
  return [candidate.id, candidate.name.kanji, candidate.name.kana ?? '', candidate.birthDate.wareki ?? candidate.birthDate.iso ?? '', candidate.sex, candidate.address?.full ?? '(住所非表示)'].join('\t');
}

/** The person as the CLI prints it: the individual number exactly as the API answered it. */
export function personLines(shown: Shown): string[] {
  const { person } = shown;
  if (!person) return ['(該当なし)', ...shown.refusals];
  return [
    `宛名番号   ${person.id}`,
    `氏名       ${person.name.kanji} (${person.name.kana ?? ''})`,
    `生年月日   ${person.birthDate.wareki ?? ''} ${person.birthDate.iso ?? ''}`,
    `性別       ${person.sex}`,
    `住所       ${person.address?.full ?? '(非表示)'}`,
    `個人番号   ${person.individualNumber ?? '(非表示)'}`,
    ...shown.refusals,
  ];
}
