import { GraphQLError, parse, visit, visitInParallel, type ASTVisitor, type DocumentNode } from 'graphql';
import { aliasCounter } from './document-aliases';
import { budgetExceeded, DOCUMENT_BUDGET_EXCEEDED, type BudgetName, type DocumentBudgets } from './document-budgets';
import { directiveCounter } from './document-directives';
import { expand } from './document-expansion';
import { orderFragments } from './document-fragments';
import { repeatCounter } from './document-repeats';
import { shapeCollector } from './document-shapes';
import { scanTokens } from './document-tokens';
import { newWork, type DocumentWork } from './document-work';

/** Why a document is refused: HTTP 400 with `extensions.code` (and `budget`, `limit` for a budget). */
export interface DocumentRefusal {
  readonly code: typeof DOCUMENT_BUDGET_EXCEEDED | 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED';
  /** Recorded in the audit trail's refusal entry: the budget's name, or what was wrong. */
  readonly reason: string;
  readonly message: string;
  readonly budget?: BudgetName;
  readonly limit?: number;
}

export type DocumentCheck =
  | { readonly ok: true; readonly document: DocumentNode; readonly work: DocumentWork }
  | { readonly ok: false; readonly refusal: DocumentRefusal; readonly work: DocumentWork };

/**
 * Checks one document against `budgets` in time and memory linear in its text, before anything
 * else expands it: a lexical scan (tokens, bracket nesting), the parse, ONE walk of the tree
 * (aliases, directives, repeated response names, each definition's own shape), the fragment graph (duplicates, unknown
 * names, cycles), then every fragment measured once and multiplied where spread (fields, root
 * fields, depth). Returns the parsed document, or the first refusal, with the work done.
 */
export function checkDocument(text: string, budgets: DocumentBudgets): DocumentCheck {
  const work = newWork();
  const refused = (refusal: DocumentRefusal): DocumentCheck => ({ ok: false, refusal, work });
  const over = (name: BudgetName): DocumentCheck => {
    const exceeded = budgetExceeded(name, budgets);
    return refused({ code: DOCUMENT_BUDGET_EXCEEDED, reason: name, message: exceeded.message, budget: name, limit: exceeded.limit });
  };

  let document: DocumentNode;
  try {
    const lexical = scanTokens(text, budgets, work);
    if (lexical) return over(lexical);
    document = parse(text, { maxTokens: budgets.maxTokens });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // graphql-js's syntax message names the unexpected token, never more than one: cut to be sure.
    return refused({ code: 'GRAPHQL_PARSE_FAILED', reason: 'syntax', message: error.message.slice(0, 200) });
  }

  const aliases = aliasCounter();
  const directives = directiveCounter();
  const repeats = repeatCounter();
  const shapes = shapeCollector();
  const counter: ASTVisitor = {
    enter() {
      work.nodes += 1;
    },
  };
  visit(document, visitInParallel([counter, aliases.visitor, directives.visitor, repeats.visitor, shapes.visitor]));
  if (aliases.count() > budgets.maxAliases) return over('aliases');
  if (shapes.fragments.length > budgets.maxFragments) return over('fragments');
  if (directives.count() > budgets.maxDirectives) return over('directives');
  if (repeats.count() > budgets.maxRepeatedFields) return over('repeatedFields');

  const ordered = orderFragments(shapes.operations, shapes.fragments, work);
  if (!ordered.ok) return refused({ code: 'GRAPHQL_VALIDATION_FAILED', reason: ordered.problem.reason, message: ordered.problem.message });

  const expansion = expand(ordered.order, shapes.operations, work);
  // A fragment is measured on its own too: a document of fragments only is no way around the budgets.
  const measured = [...expansion.fragments.values(), ...expansion.operations];
  if (measured.some((m) => m.depth > budgets.maxDepth)) return over('depth');
  const sum = (key: 'fields' | 'rootFields') => expansion.operations.reduce((total, m) => total + m[key], 0);
  if (sum('rootFields') > budgets.maxRootFields) return over('rootFields');
  if (sum('fields') > budgets.maxFields || measured.some((m) => m.fields > budgets.maxFields)) return over('fields');
  return { ok: true, document, work };
}
