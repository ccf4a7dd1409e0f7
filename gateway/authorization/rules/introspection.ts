import type { ASTVisitor } from 'graphql';
import { denialText } from '../../../lib/authorization/denial';
import type { AuthorizationContext } from '../rule-context';

/** The schema meta fields; `__typename` is not one of them (it reveals nothing beyond the query). */
export const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

/**
 * `__schema` and `__type` only for profiles the rules allow introspection (roles named in
 * policies.yaml; off in production unless `allowInProduction`). Refused, they are removed and
 * answered like any refused field, with the policy `introspection`.
 */
export function IntrospectionRule(context: AuthorizationContext): ASTVisitor {
  return {
    Field(node) {
      const fieldName = node.name.value;
      if (!INTROSPECTION_FIELDS.has(fieldName)) return;
      const coordinate = `${context.typeInfo.getParentType()?.name ?? 'Query'}.${fieldName}`;
      if (context.profile.introspection) {
        context.grant(coordinate);
        return;
      }
      context.deny(node, {
        coordinate,
        policy: denialText({ kind: 'introspection' }),
        reason: 'schema introspection is not allowed for this caller under the access rules',
      });
    },
  };
}
