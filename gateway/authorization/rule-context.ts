import type { FieldNode, GraphQLSchema, TypeInfo } from 'graphql';
import type { FieldClassification, MaskRule, PermissionProfile } from '../../lib/authorization/types';
import type { FieldDenial } from './decision';

/**
 * What an authorization rule sees while the walk visits an operation, in the manner of
 * graphql-js's ValidationContext: the API schema, a TypeInfo kept in step with the walk, the
 * caller's permission profile and the supergraph's field classifications. A rule reports a
 * refused field with `deny`; the walk then removes that field (and skips what lies under it).
 */
export class AuthorizationContext {
  private readonly deniedNodes = new Set<FieldNode>();
  private readonly deniedCoordinates = new Map<string, FieldDenial>();
  private readonly grantedCoordinates = new Set<string>();
  private readonly maskedCoordinates = new Map<string, MaskRule>();

  constructor(
    readonly schema: GraphQLSchema,
    readonly typeInfo: TypeInfo,
    readonly profile: PermissionProfile,
    readonly classifications: ReadonlyMap<string, FieldClassification>,
  ) {}

  /** Refuses this field occurrence (and, since decisions are per coordinate, records the coordinate). */
  deny(node: FieldNode, denial: FieldDenial): void {
    this.deniedNodes.add(node);
    if (!this.deniedCoordinates.has(denial.coordinate)) this.deniedCoordinates.set(denial.coordinate, denial);
  }

  /** Records an allowed coordinate (what the audit trail lists as granted). */
  grant(coordinate: string): void {
    this.grantedCoordinates.add(coordinate);
  }

  /** Records an allowed coordinate whose values the answer must carry masked. */
  grantMasked(coordinate: string, mask: MaskRule): void {
    this.grantedCoordinates.add(coordinate);
    this.maskedCoordinates.set(coordinate, mask);
  }

  masked(): ReadonlyMap<string, MaskRule> {
    return new Map([...this.maskedCoordinates].filter(([coordinate]) => !this.deniedCoordinates.has(coordinate)));
  }

  isDenied(node: FieldNode): boolean {
    return this.deniedNodes.has(node);
  }

  denied(): ReadonlySet<FieldNode> {
    return this.deniedNodes;
  }

  deniedByCoordinate(): ReadonlyMap<string, FieldDenial> {
    return this.deniedCoordinates;
  }

  granted(): ReadonlySet<string> {
    return new Set([...this.grantedCoordinates].filter((coordinate) => !this.deniedCoordinates.has(coordinate)));
  }
}
