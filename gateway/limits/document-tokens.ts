import { Lexer, Source, TokenKind } from 'graphql';
import type { BudgetName, DocumentBudgets } from './document-budgets';
import type { DocumentWork } from './document-work';

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R]);

/**
 * The lexical budgets, checked before the parser runs: at most `maxTokens` tokens (the scan stops
 * at the first one over) and at most `maxNesting` brackets open at once, so the recursive parser
 * can neither run long nor exhaust the stack. A lexical error (an unterminated string, a stray
 * character) is thrown as graphql-js's GraphQLError, as `parse` would.
 */
export function scanTokens(text: string, budgets: DocumentBudgets, work: DocumentWork): BudgetName | undefined {
  const lexer = new Lexer(new Source(text));
  let open = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    work.tokens += 1;
    if (work.tokens > budgets.maxTokens) return 'tokens';
    if (OPENING.has(token.kind)) {
      open += 1;
      if (open > budgets.maxNesting) return 'nesting';
    } else if (CLOSING.has(token.kind)) {
      open -= 1;
    }
  }
  return undefined;
}
