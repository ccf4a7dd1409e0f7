import type { ASTVisitor } from 'graphql';
import type { AuthorizationContext } from '../rule-context';
import { FieldClassificationRule } from './field-classification';
import { IntrospectionRule } from './introspection';

/**
 * Validation rules: AST visitors, one concern each, in the manner of graphql-js's validation
 * rules ("rules" in this folder means only these). The ward's policy files are `lib/policy/`;
 * the subgraphs' graphql-shield rules are `subgraphs/shared/shield.ts`.
 */
export type AuthorizationRule = (context: AuthorizationContext) => ASTVisitor;

/** The rules every operation is walked with. */
export const AUTHORIZATION_RULES: readonly AuthorizationRule[] = [FieldClassificationRule, IntrospectionRule];

export { FieldClassificationRule, decideField } from './field-classification';
export { IntrospectionRule, INTROSPECTION_FIELDS } from './introspection';
