/**
 * The gateway enforces the security directives itself (@authenticated, @requiresScopes,
 * @policy: the composed supergraph links them `for: SECURITY`), and @apollo/gateway refuses a
 * supergraph with a `for: SECURITY` link it does not know. So before the planner sees a
 * supergraph, this module reads its classifications and hands the planner a copy without the
 * security links, their definitions and every usage. A supergraph that links a security (or
 * execution) feature nobody here enforces is refused: serving it would drop its rules silently.
 */
import { Kind, parse, print, visit, type ASTNode, type DirectiveNode, type DocumentNode } from 'graphql';
import {
  SECURITY_SPEC_IDENTITIES,
  linkedFeatures,
  misplacedSecurityDirectives,
  readClassifications,
  securityDirectiveNames,
  type LinkedFeature,
} from '../lib/authorization/classification';
import type { FieldClassification } from '../lib/authorization/types';

/** The security features this gateway enforces (its authorization walk reads their classifications). */
export const ENFORCED_SECURITY_FEATURES: readonly string[] = [
  `${SECURITY_SPEC_IDENTITIES.authenticated}/v0.1`,
  `${SECURITY_SPEC_IDENTITIES.requiresScopes}/v0.1`,
  `${SECURITY_SPEC_IDENTITIES.policy}/v0.1`,
];

/**
 * What @apollo/gateway itself supports among `for:` features (federation-internals'
 * DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES; a test keeps the two equal). These pass through.
 */
export const PLANNER_SUPPORTED_FEATURES: readonly string[] = [
  'https://specs.apollo.dev/core/v0.1',
  'https://specs.apollo.dev/core/v0.2',
  'https://specs.apollo.dev/join/v0.1',
  'https://specs.apollo.dev/join/v0.2',
  'https://specs.apollo.dev/join/v0.3',
  'https://specs.apollo.dev/join/v0.4',
  'https://specs.apollo.dev/join/v0.5',
  'https://specs.apollo.dev/tag/v0.1',
  'https://specs.apollo.dev/tag/v0.2',
  'https://specs.apollo.dev/tag/v0.3',
  'https://specs.apollo.dev/inaccessible/v0.1',
  'https://specs.apollo.dev/inaccessible/v0.2',
];

export interface PreparedSupergraph {
  /** The supergraph without the security features: what ApolloGateway receives. */
  readonly plannerSdl: string;
  /** `Type.field` → classification, read from the supergraph before stripping. */
  readonly classifications: ReadonlyMap<string, FieldClassification>;
  /** The security feature urls the supergraph links (and the gateway enforces), e.g. https://specs.apollo.dev/policy/v0.1 */
  readonly features: readonly string[];
}

export class UnsupportedSupergraphFeatureError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `The supergraph uses security features this gateway does not enforce, so it refuses it:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n` +
        `Enforced: ${ENFORCED_SECURITY_FEATURES.join(', ')}.`,
    );
    this.name = 'UnsupportedSupergraphFeatureError';
  }
}

const SECURITY_IDENTITIES = new Set(Object.values(SECURITY_SPEC_IDENTITIES));

/**
 * Reads the classifications of a composed supergraph and strips its security features for the
 * planner. Throws UnsupportedSupergraphFeatureError when the supergraph links a `for: SECURITY`
 * or `for: EXECUTION` feature that neither this gateway nor @apollo/gateway enforces, or uses a
 * security directive somewhere the gateway does not enforce it (on a type rather than a field).
 */
export function prepareSupergraphForGateway(sdl: string): PreparedSupergraph {
  const document = parse(sdl);
  const features = linkedFeatures(document);

  const problems: string[] = [];
  const enforced: LinkedFeature[] = [];
  for (const feature of features) {
    const base = feature.version === '' ? feature.identity : `${feature.identity}/${feature.version}`;
    if (ENFORCED_SECURITY_FEATURES.includes(base)) {
      enforced.push(feature);
    } else if (SECURITY_IDENTITIES.has(feature.identity)) {
      problems.push(`${feature.url}: unknown version of a security feature${feature.purpose ? ` (for: ${feature.purpose})` : ''}`);
    } else if ((feature.purpose === 'SECURITY' || feature.purpose === 'EXECUTION') && !PLANNER_SUPPORTED_FEATURES.includes(base)) {
      problems.push(`${feature.url} (for: ${feature.purpose}) is not enforced by this gateway`);
    }
  }
  for (const misplaced of misplacedSecurityDirectives(document)) {
    problems.push(`${misplaced.description}: the gateway enforces field classifications only; classify the fields instead`);
  }
  if (problems.length > 0) throw new UnsupportedSupergraphFeatureError(problems);

  const classifications = readClassifications(document);
  if (enforced.length === 0) return { plannerSdl: sdl, classifications, features: [] };
  return { plannerSdl: print(stripSecurityFeatures(document, enforced)), classifications, features: enforced.map((feature) => feature.url) };
}

/** Removes the links of `enforced`, their directive and type definitions, and every use of their directives. */
function stripSecurityFeatures(document: DocumentNode, enforced: readonly LinkedFeature[]): DocumentNode {
  const linkNodes = new Set<ASTNode>(enforced.map((feature) => feature.node));
  const enforcedIdentities = new Set(enforced.map((feature) => feature.identity));
  const directiveNames = new Set<string>();
  for (const [name, directive] of securityDirectiveNames(document)) {
    if (enforcedIdentities.has(SECURITY_SPEC_IDENTITIES[directive])) directiveNames.add(name);
  }
  // The features' own types (policy__Policy, requiresScopes__Scope) and any imported ones.
  const prefixes = enforced.map((feature) => `${feature.nameInSchema}__`);
  const importedTypes = new Set(enforced.flatMap((feature) => [...feature.imports.values()].filter((name) => !name.startsWith('@'))));
  const isFeatureType = (name: string): boolean => importedTypes.has(name) || prefixes.some((prefix) => name.startsWith(prefix));

  const removeType = (node: { readonly name: { readonly value: string } }) => (isFeatureType(node.name.value) ? null : undefined);
  return visit(document, {
    Directive: (node: DirectiveNode) => (linkNodes.has(node) || directiveNames.has(node.name.value) ? null : undefined),
    DirectiveDefinition: (node) => (directiveNames.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: removeType,
    EnumTypeDefinition: removeType,
    InputObjectTypeDefinition: removeType,
    ObjectTypeDefinition: removeType,
    [Kind.SCALAR_TYPE_EXTENSION]: removeType,
  });
}
