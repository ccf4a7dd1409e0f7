/**
 * What an officer needs before approving a document (issue 13): the supergraph fields it reads
 * (field coordinates), their policies (the SDL's @policy, with the rule files' classification of
 * each policy), and which (department, role, purpose) profiles can run it in full under the rules
 * in force — every field granted, MFA assumed (a profile without MFA gets less, never more).
 */
import { parse, TypeInfo, validate, visit, visitWithTypeInfo, type GraphQLSchema } from 'graphql';
import { resolveProfile, satisfies } from '../authorization/profile';
import type { PolicySet } from '../policy/types';
import type { FieldClassification } from '../authorization/types';

export interface FieldRead {
  /** `Type.field` in the supergraph. */
  readonly coordinate: string;
  /** @policy (OR of ANDs); null for a field without one (`@authenticated` only). */
  readonly policies: readonly (readonly string[])[] | null;
  /** The policies' classifications in policies.yaml (individual-number, personal, …), sorted. */
  readonly classifications: readonly string[];
  /** Not classified in the supergraph at all: refused for everyone (deny by default). */
  readonly unclassified: boolean;
}

export interface RunnerProfile {
  readonly department: string;
  readonly role: string;
  readonly purpose: string;
  /** Fields this profile receives masked (a grant with `mask:`, e.g. ********5148), sorted; empty: all in full. */
  readonly masked: readonly string[];
}

export interface DocumentAnalysis {
  readonly operationName: string | null;
  readonly fields: readonly FieldRead[];
  /** The profiles for which every field is granted (with MFA), sorted; each says which fields it gets masked. */
  readonly profiles: readonly RunnerProfile[];
  /** The document against the API schema: empty when it is valid. */
  readonly errors: readonly string[];
}

/** Every field coordinate the document selects (fragments included), sorted; no __typename or introspection. */
export function fieldsRead(document: string, schema: GraphQLSchema): { operationName: string | null; coordinates: string[]; errors: string[] } {
  let ast;
  try {
    ast = parse(document);
  } catch (error) {
    return { operationName: null, coordinates: [], errors: [(error as Error).message] };
  }
  const errors = validate(schema, ast).map((error) => error.message);
  const coordinates = new Set<string>();
  let operationName: string | null = null;
  const typeInfo = new TypeInfo(schema);
  visit(
    ast,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        operationName ??= node.name?.value ?? null;
      },
      Field(node) {
        if (node.name.value.startsWith('__')) return;
        const parent = typeInfo.getParentType();
        if (parent) coordinates.add(`${parent.name}.${node.name.value}`);
      },
    }),
  );
  return { operationName, coordinates: [...coordinates].sort(), errors };
}

/** The analysis of one document under the supergraph's API schema, classifications and the rules in force. */
export function analyseDocument(document: string, schema: GraphQLSchema, classifications: ReadonlyMap<string, FieldClassification>, rules: PolicySet): DocumentAnalysis {
  const { operationName, coordinates, errors } = fieldsRead(document, schema);
  const fields: FieldRead[] = coordinates.map((coordinate) => {
    const classification = classifications.get(coordinate);
    const policies = classification?.policies ?? null;
    const kinds = new Set<string>();
    for (const name of (policies ?? []).flat()) {
      const rule = rules.policies.get(name as never);
      if (rule) kinds.add(rule.classification);
    }
    return { coordinate, policies, classifications: [...kinds].sort(), unclassified: classification === undefined };
  });
  return { operationName, fields, profiles: errors.length === 0 ? runnersOf(fields, classifications, rules) : [], errors };
}

/** Every (department, registered purpose, role) of the rules whose profile (with MFA) is granted every field, in full or masked. */
export function runnersOf(fields: readonly FieldRead[], classifications: ReadonlyMap<string, FieldClassification>, rules: PolicySet): RunnerProfile[] {
  const runners: RunnerProfile[] = [];
  if (fields.some((field) => field.unclassified)) return runners;
  for (const department of rules.departments.values()) {
    for (const purpose of department.purposes) {
      for (const role of rules.roles.keys()) {
        const result = resolveProfile(
          rules,
          { subject: 'trusted-documents:analysis', departmentId: department.id, roles: [role], purpose, mfa: true, scopes: [] },
          { production: true },
        );
        if (!result.ok) continue;
        const all = fields.every((field) => {
          const classification = classifications.get(field.coordinate)!;
          return satisfies(result.profile, classification.policies, classification.scopes).ok;
        });
        if (!all) continue;
        // Masked: every alternative the profile satisfies needs a policy it holds masked only.
        const { granted, masked } = result.profile;
        const maskedFields = fields
          .filter((field) => {
            const held = (field.policies ?? []).filter((alternative) => alternative.every((policy) => granted.has(policy)));
            return held.length > 0 && held.every((alternative) => alternative.some((policy) => masked.has(policy)));
          })
          .map((field) => field.coordinate);
        runners.push({ department: department.id, role, purpose, masked: maskedFields });
      }
    }
  }
  return runners.sort((a, b) => `${a.department} ${a.role} ${a.purpose}`.localeCompare(`${b.department} ${b.role} ${b.purpose}`));
}
