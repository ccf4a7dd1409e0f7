import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { MaskRule } from '../../lib/authorization/types';
import type { PersonKeyKeys } from './rewrite';
import type { StripNode } from './strip-plan';

/** Why one field coordinate is refused to a permission profile. */
export interface FieldDenial {
  /** `Type.field` as written against the API schema (`Query.__schema` for introspection). */
  readonly coordinate: string;
  /**
   * What denied it: a policy name (`individual_number`), `scope:<name>` for a missing OAuth
   * scope, `introspection`, or `unclassified` for a field the supergraph does not classify.
   */
  readonly policy: string;
  /** Words a clerk's application can show ("individual_number requires MFA …"). */
  readonly reason: string;
}

/**
 * What the gateway decided for one (operation, permission profile): the denied coordinates and
 * the operation the planner receives instead of the client's. Immutable and cached: the same
 * operation by the same profile is decided once.
 */
export interface OperationDecision {
  /** Denied coordinates of the executed operation (and the fragments it uses). */
  readonly denied: ReadonlyMap<string, FieldDenial>;
  /** Allowed coordinates (for the audit trail: what was granted). */
  readonly granted: ReadonlySet<string>;
  /**
   * Granted coordinates the profile may read masked only (a `mask:` grant), with the mask: the
   * completion replaces every such value before the response is serialised.
   */
  readonly masked: ReadonlyMap<string, MaskRule>;
  /** The rewritten document: the selected operation and the fragments it uses, denied fields removed. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** `print(document)`. */
  readonly source: string;
  /**
   * The response key of the `__typename` the rewrite injected (into selection sets emptied by a
   * removal and into selection sets of abstract type); absent from every completed response.
   */
  readonly typenameKey: string;
  /** Response keys of the person keys the rewrite injected for the audit trail (when asked to). */
  readonly personKeyKeys?: PersonKeyKeys;
  /** Whether the rewrite changed anything a response could show (removal or injection). */
  readonly rewritten: boolean;
  /**
   * Where the injected keys and the person keys are in the planner's answer (strip-plan.ts);
   * undefined when nothing was rewritten, or when the request's variables decide whether an
   * injected key is also the client's (then the full completion runs).
   */
  readonly strip: StripNode | undefined;
  /** The planner's cache key for this decision: covers the rewritten operation AND the profile key. */
  readonly queryHash: string;
}
