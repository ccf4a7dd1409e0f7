import { loadConfig } from '../../../gateway/config';
import { DEFAULT_DOCUMENT_BUDGETS, type DocumentBudgets } from '../../../gateway/limits/document-budgets';
import { checkDocument, type DocumentCheck } from '../../../gateway/limits/document-check';
import { totalWork } from '../../../gateway/limits/document-work';

/**
 * The document checker on its own: every budget, the fragment graph, and the work it does —
 * counted in tokens lexed, nodes visited and spreads followed, which must stay linear in the
 * document's length whatever its shape (the bound asserted: 4 units of work per character).
 */

const budgets: DocumentBudgets = { ...DEFAULT_DOCUMENT_BUDGETS, maxDepth: 5, maxFields: 20 };
const WORK_PER_CHARACTER = 4;

function check(text: string, within: DocumentBudgets = budgets): DocumentCheck {
  const result = checkDocument(text, within);
  expect(totalWork(result.work)).toBeLessThanOrEqual(WORK_PER_CHARACTER * text.length);
  return result;
}

function refusal(text: string, within: DocumentBudgets = budgets) {
  const result = check(text, within);
  if (result.ok) throw new Error('expected a refusal');
  return result.refusal;
}

/** Fragments F0…F(levels-1), each spreading the next twice: 2^levels spreads of the last one. */
function doublingFragments(levels: number, last: string): string {
  const parts = ['query Attack { ...F0 }'];
  for (let i = 0; i < levels; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  parts.push(`fragment F${levels} on Query { ${last} }`);
  return parts.join('\n');
}

describe('document budgets (the checker)', () => {
  test('a document within every budget passes and is parsed once', () => {
    const result = check('query Q($id: ID!) { node(id: $id) { id child { id ... on Node { child { id } } } } }');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.document.definitions).toHaveLength(1);
  });

  test('the fragment bomb of issue 9 (26 doubling levels ending in an unknown fragment) is refused after linear work', () => {
    const text = doublingFragments(26, '...Unknown');
    expect(text.length).toBeLessThan(1200);
    const result = check(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'unknown_fragment' });
  });

  test('the same bomb ending in a field is measured with its multiplicity (2^26 fields), each fragment once', () => {
    const result = check(doublingFragments(26, 'a'), { ...budgets, maxRootFields: 1e9 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'fields', limit: 20 });
    // Edges: each spread followed at most three times (existence, ordering, measuring).
    expect(result.work.edges).toBeLessThanOrEqual(3 * 2 * 27);
  });

  test('a thousand doubling levels: still linear, no overflow (counts saturate), refused by the field budget', () => {
    const result = check(doublingFragments(1000, 'a'), { ...budgets, maxTokens: 100_000, maxFragments: 2000, maxRootFields: Number.MAX_SAFE_INTEGER });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal.budget).toBe('fields');
  });

  test('fragment cycles, direct and through others, and duplicate names are refused before expansion', () => {
    expect(refusal('{ ...A } fragment A on Query { ...A }')).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'fragment_cycle' });
    expect(refusal('{ ...A } fragment A on Query { n { ...B } } fragment B on N { ...C } fragment C on N { a ...A }').reason).toBe('fragment_cycle');
    expect(refusal('{ ...A } fragment A on Query { a } fragment A on Query { b }').reason).toBe('duplicate_fragment');
  });

  test('depth counts through fragments and inline fragments', () => {
    expect(refusal('{ a { b { c { d { e { f } } } } } }')).toMatchObject({ budget: 'depth', limit: 5 });
    expect(refusal('query Deep { n { ...F } } fragment F on N { c { ... on N { c { c { c { c { id } } } } } } }').budget).toBe('depth');
    expect(check('{ a { b { c { d { e } } } } }').ok).toBe(true);
  });

  test('aliases, directives, fragment definitions and root fields each have a budget', () => {
    const few = { ...budgets, maxAliases: 3, maxDirectives: 3, maxFragments: 2, maxRootFields: 3, maxFields: 1000 };
    expect(check('{ a: x b: x c: x }', few).ok).toBe(true);
    expect(refusal('{ a: x b: x c: x d: x }', few)).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'aliases', limit: 3 });
    expect(refusal('{ n { a @skip(if: true) b @skip(if: true) c @include(if: false) d @include(if: false) } }', few).budget).toBe('directives');
    expect(refusal('{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { x }', few).budget).toBe('fragments');
    expect(refusal('{ x y z w }', few).budget).toBe('rootFields');
    // Root fields spread from a fragment count where they are spread, as often as they are.
    expect(refusal('{ ...R ...R } fragment R on Query { x y }', few).budget).toBe('rootFields');
    // Root fields of several operations add up: the document is measured, not one operation.
    expect(refusal('query A { x y } query B { x y }', few).budget).toBe('rootFields');
  });

  test('repeated response names in one selection set (inline fragments merged) have a budget: graphql-js compares every pair', () => {
    const few = { ...budgets, maxRepeatedFields: 2, maxFields: 1000, maxDepth: 10 };
    expect(check('{ n { a a a } }', few).ok).toBe(true);
    expect(refusal('{ n { a a a a } }', few)).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'repeatedFields', limit: 2 });
    expect(refusal('{ n { a ... on N { a ... on N { a a } } } }', few).budget).toBe('repeatedFields');
    // Over the whole document: two sets of two repeats each.
    expect(refusal('{ n { a a a } m { b b b } }', few).budget).toBe('repeatedFields');
    // An alias gives a distinct response name.
    expect(check('{ n { a x: a y: a z: a } }', few).ok).toBe(true);
  });

  test('tokens and bracket nesting are refused before the parser runs', () => {
    const fields = Array.from({ length: 200 }, (_, i) => `f${i}`).join(' ');
    expect(refusal(`{ ${fields} }`, { ...budgets, maxTokens: 100 })).toMatchObject({ budget: 'tokens', limit: 100 });
    // Inline fragments nest brackets without adding field depth; the parser recursion is what is bounded.
    const deepInline = `{ ${'... on Query { '.repeat(5000)}x${' }'.repeat(5000)} }`;
    const deep = checkDocument(deepInline, { ...budgets, maxTokens: 100_000 });
    expect(deep.ok).toBe(false);
    if (!deep.ok) expect(deep.refusal).toMatchObject({ budget: 'nesting', limit: 64 });
    expect(deep.work.tokens).toBeLessThanOrEqual(4 * 65 + 1);
    // Deeply nested list values (a variable default) are brackets too.
    expect(refusal(`query Q($v: [[Int]] = ${'['.repeat(100)}${']'.repeat(100)}) { x }`).budget).toBe('nesting');
  });

  test('a document of only fragments is measured too', () => {
    const bomb = ['fragment F0 on Query { ...F1 ...F1 }'];
    for (let i = 1; i < 20; i++) bomb.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    bomb.push('fragment F20 on Query { a }');
    expect(refusal(bomb.join(' ')).budget).toBe('fields');
    // A small one passes here: graphql-js's validation then refuses the unused fragment.
    expect(check('fragment F on Query { a }').ok).toBe(true);
  });

  test('a syntax error is a parse failure, with graphql-js message and no more', () => {
    expect(refusal('{ a ')).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', reason: 'syntax' });
    expect(refusal('"unterminated').code).toBe('GRAPHQL_PARSE_FAILED');
    expect(refusal('').code).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('the budgets come from GATEWAY_DOCUMENT_MAX_* with documented defaults, and bad values are refused', () => {
    const base = { AUTH_MODE: 'dev' };
    expect(loadConfig(base).documentBudgets).toEqual(DEFAULT_DOCUMENT_BUDGETS);
    expect(loadConfig({ ...base, GATEWAY_DOCUMENT_MAX_ALIASES: '7', GATEWAY_DOCUMENT_MAX_FIELDS: '500' }).documentBudgets).toMatchObject({ maxAliases: 7, maxFields: 500 });
    expect(() => loadConfig({ ...base, GATEWAY_DOCUMENT_MAX_DEPTH: '0' })).toThrow(/GATEWAY_DOCUMENT_MAX_DEPTH must be a positive integer/);
    expect(() => loadConfig({ ...base, GATEWAY_DOCUMENT_MAX_TOKENS: '1e9' })).toThrow(/GATEWAY_DOCUMENT_MAX_TOKENS/);
  });
});
