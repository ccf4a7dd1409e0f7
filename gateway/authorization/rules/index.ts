import type { ASTVisitor } from 'graphql';
import type { AuthorizationContext } from '../rule-context';
import { FieldClassificationRule } from './field-classification';
import { IntrospectionRule } from './introspection';

/** One concern per rule, in the manner of graphql-js's validation rules. */
export type AuthorizationRule = (context: AuthorizationContext) => ASTVisitor;

/** The rules every operation is walked with. */
export const AUTHORIZATION_RULES: readonly AuthorizationRule[] = [FieldClassificationRule, IntrospectionRule];

export { FieldClassificationRule, decideField } from './field-classification';
export { IntrospectionRule, INTROSPECTION_FIELDS } from './introspection';
