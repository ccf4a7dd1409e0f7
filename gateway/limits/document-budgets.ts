/**
 * The budgets every GraphQL document must fit before anything expands it (Apollo's validation,
 * the authorization walk, the planner). Each is checked by a pass linear in the document's size
 * (gateway/limits/document-check.ts), so an abusive document costs a scan and a 400, never a
 * stalled event loop. Legitimate screens stay far below every default: the widest query in the
 * test suite (every field of a resident across the four systems) has about 300 fields and depth 8.
 */
export interface DocumentBudgets {
  /** Lexical tokens in the document (graphql-js `maxTokens`; comments are not tokens). */
  readonly maxTokens: number;
  /** Brackets `{ ( [` open at once: bounds the parser's recursion (inline fragments and values included). */
  readonly maxNesting: number;
  /** Aliased fields written in the document. */
  readonly maxAliases: number;
  /** Fragment definitions in the document. */
  readonly maxFragments: number;
  /** Fields repeating a response name already selected in the same selection set (graphql-js compares each such pair). */
  readonly maxRepeatedFields: number;
  /** Directives written in the document (`@include`, `@skip`, …). */
  readonly maxDirectives: number;
  /** Root fields of all operations, fragments expanded with their multiplicity. */
  readonly maxRootFields: number;
  /** Deepest nesting of fields, fragments expanded. */
  readonly maxDepth: number;
  /** Field selections of all operations (and of any fragment), every spread counted where it is spread. */
  readonly maxFields: number;
}

export type BudgetName = 'tokens' | 'nesting' | 'aliases' | 'fragments' | 'repeatedFields' | 'directives' | 'rootFields' | 'depth' | 'fields';

export const DEFAULT_DOCUMENT_BUDGETS: DocumentBudgets = {
  maxTokens: 10_000,
  maxNesting: 64,
  maxAliases: 100,
  maxFragments: 50,
  maxRepeatedFields: 30,
  maxDirectives: 100,
  maxRootFields: 50,
  maxDepth: 15,
  maxFields: 2_000,
};

/** Each budget: its name in refusals, its key, its environment variable, what the message counts. */
export const BUDGETS: readonly { readonly name: BudgetName; readonly key: keyof DocumentBudgets; readonly env: string; readonly counts: string }[] = [
  { name: 'tokens', key: 'maxTokens', env: 'GATEWAY_DOCUMENT_MAX_TOKENS', counts: 'tokens' },
  { name: 'nesting', key: 'maxNesting', env: 'GATEWAY_DOCUMENT_MAX_NESTING', counts: 'levels of nested brackets' },
  { name: 'aliases', key: 'maxAliases', env: 'GATEWAY_DOCUMENT_MAX_ALIASES', counts: 'aliases' },
  { name: 'fragments', key: 'maxFragments', env: 'GATEWAY_DOCUMENT_MAX_FRAGMENTS', counts: 'fragment definitions' },
  { name: 'repeatedFields', key: 'maxRepeatedFields', env: 'GATEWAY_DOCUMENT_MAX_REPEATED_FIELDS', counts: 'fields repeating a response name in the same selection set' },
  { name: 'directives', key: 'maxDirectives', env: 'GATEWAY_DOCUMENT_MAX_DIRECTIVES', counts: 'directives' },
  { name: 'rootFields', key: 'maxRootFields', env: 'GATEWAY_DOCUMENT_MAX_ROOT_FIELDS', counts: 'root fields (fragments expanded)' },
  { name: 'depth', key: 'maxDepth', env: 'GATEWAY_DOCUMENT_MAX_DEPTH', counts: 'levels of nested fields (fragments expanded)' },
  { name: 'fields', key: 'maxFields', env: 'GATEWAY_DOCUMENT_MAX_FIELDS', counts: 'fields (fragments expanded where spread, aliases counted)' },
];

/** `extensions.code` of a document over one of its budgets (HTTP 400). */
export const DOCUMENT_BUDGET_EXCEEDED = 'DOCUMENT_BUDGET_EXCEEDED';

/** A document over a budget: which one, and its limit. */
export interface BudgetExceeded {
  readonly budget: BudgetName;
  readonly limit: number;
  readonly message: string;
}

export function budgetExceeded(name: BudgetName, budgets: DocumentBudgets): BudgetExceeded {
  const budget = BUDGETS.find((b) => b.name === name)!;
  const limit = budgets[budget.key];
  return {
    budget: name,
    limit,
    message: `Document exceeds the ${name} budget: more than ${limit} ${budget.counts}. Split it into smaller operations.`,
  };
}

/** The budgets from the environment (GATEWAY_DOCUMENT_MAX_*), defaults for those unset; problems listed. */
export function loadDocumentBudgets(read: (name: string) => string | undefined, problems: string[]): DocumentBudgets {
  const budgets: Record<string, number> = { ...DEFAULT_DOCUMENT_BUDGETS };
  for (const { key, env } of BUDGETS) {
    const value = read(env);
    if (value === undefined) continue;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) problems.push(`${env} must be a positive integer, got '${value}'`);
    else budgets[key] = parsed;
  }
  return budgets as unknown as DocumentBudgets;
}
