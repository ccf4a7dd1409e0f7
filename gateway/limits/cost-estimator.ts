/**
 * Estimates operation costs against the supergraph in force, once per (operation, values of the
 * variables that size its lists): the second request of a screen costs a map lookup.
 */
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LruCache } from '../../lib/bounded-cache';
import { readCostModel, type CostModel } from './cost-model';
import { estimateCost } from './cost';

export interface CostEstimatorStats {
  /** Estimates computed by walking a document. */
  readonly computed: number;
  /** Estimates answered from the cache. */
  readonly cached: number;
}

interface OperationCosts {
  readonly sizingVariables: readonly string[];
  /** By the JSON of the sizing variables' values. */
  readonly costs: LruCache<number>;
}

/** Different sizes asked of one operation that are remembered (`first: 20`, `first: 100`, …). */
const SIZES_PER_OPERATION = 32;

export class CostEstimator {
  private schema: GraphQLSchema | undefined;
  private model: CostModel | undefined;
  private cache: LruCache<OperationCosts>;
  private computed = 0;
  private cached = 0;

  constructor(private readonly capacity = 1000) {
    this.cache = new LruCache(capacity);
  }

  /** A new supergraph: new marks, earlier estimates no longer hold. */
  update(schema: GraphQLSchema, supergraphSdl: string): void {
    this.schema = schema;
    this.model = readCostModel(supergraphSdl);
    this.cache = new LruCache(this.capacity);
  }

  /** The estimate, or null before a supergraph is loaded. `key` names the operation (query hash and operation name). */
  estimate(key: string, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): number | null {
    if (!this.schema || !this.model) return null;
    const entry = this.cache.get(key);
    if (entry) {
      const signature = JSON.stringify(entry.sizingVariables.map((name) => variables[name] ?? null));
      const known = entry.costs.get(signature);
      if (known !== undefined) {
        this.cached += 1;
        return known;
      }
    }
    const estimate = estimateCost({ schema: this.schema, model: this.model, document, operation, variables });
    this.computed += 1;
    const costs = entry?.costs ?? new LruCache<number>(SIZES_PER_OPERATION);
    costs.set(JSON.stringify(estimate.sizingVariables.map((name) => variables[name] ?? null)), estimate.cost);
    if (!entry) this.cache.set(key, { sizingVariables: estimate.sizingVariables, costs });
    return estimate.cost;
  }

  stats(): CostEstimatorStats {
    return { computed: this.computed, cached: this.cached };
  }
}
