/**
 * The gateway's metrics, in Prometheus' text format (prom-client), on the operations listener
 * only (ops-server.ts), never on the port department apps call.
 *
 * Label values are bounded (bounded-label.ts): operation and client names the caller chooses are
 * kept for the first 50 / 20 distinct well-formed names and collapse into `other` after that;
 * error codes into `OTHER` after 64. No label ever carries a user, a person, a variable's value
 * or the operation's text.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayContext } from '../context';
import { maybeRequestStateOf } from '../http/request-state';
import { BoundedLabel } from './bounded-label';

/** What the metrics read when scraped (counters the gateway keeps anyway). */
export interface MetricSources {
  /** Decision and plan counts (AuthorizingGateway.stats()). */
  readonly authorization?: () => { decisions: number; cacheHits: number; plansBuilt: number; plansResolved?: number };
  /** Audit writer counters and its queue. */
  readonly audit?: () => { written: number; failed: number; pending: number };
  readonly ruleVersion?: () => string | undefined;
  readonly supergraphSha256?: () => string | undefined;
  /** The last readiness report (never probes on a scrape). */
  readonly readiness?: () => { ready: boolean; checks: Readonly<Record<string, { status: string }>> } | undefined;
}

/** Per request, between the front (which counts it when it ends) and the Apollo plugin (which knows the operation). */
interface Observation {
  operation?: string | null;
  codes: Set<string>;
  withErrors: boolean;
}

/** The name of the document's only operation, if it has one. */
function soleOperationName(document: DocumentNode | undefined): string | undefined {
  const operations = document?.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION) ?? [];
  return operations.length === 1 ? (operations[0] as OperationDefinitionNode).name?.value : undefined;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operations = new BoundedLabel({ limit: 50 });
  private readonly clients = new BoundedLabel({ limit: 20, pattern: /^[\x21-\x7e]{1,64}$/ });
  private readonly codes = new BoundedLabel({ limit: 64, pattern: /^[A-Z][A-Z0-9_]{0,63}$/ });
  private readonly observations = new Map<string, Observation>();
  private sources: MetricSources = {};

  private readonly requests = new Counter({
    name: 'gateway_graphql_requests_total',
    help: 'GraphQL requests answered, by operation name, client name (both bounded) and outcome (success, partial, refused, failed)',
    labelNames: ['operation', 'client', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'gateway_graphql_request_duration_seconds',
    help: 'Time from arrival to the last byte of the answer, by outcome',
    labelNames: ['outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'gateway_refusals_total',
    help: 'Answers carrying an error code (extensions.code), by code: refusals at the front and GraphQL errors, once per answer and code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly subgraphSeconds = new Histogram({
    name: 'gateway_subgraph_fetch_duration_seconds',
    help: 'Subgraph calls: time until the answer’s headers, by subgraph',
    labelNames: ['subgraph'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly subgraphErrors = new Counter({
    name: 'gateway_subgraph_fetch_errors_total',
    help: 'Subgraph calls that failed, by subgraph and kind (timeout, unavailable, http)',
    labelNames: ['subgraph', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly auditSeconds = new Histogram({
    name: 'gateway_audit_append_duration_seconds',
    help: 'Audit appends (one batch each): time until committed or failed, by result',
    labelNames: ['result'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  /** Node's default metrics, started by the first scrape (see scrape()). */
  private defaultsStarted = false;

  constructor() {
    const sources = () => this.sources;
    const mirror = (name: string, help: string, read: () => number | undefined) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const value = read();
          this.reset();
          if (value !== undefined) this.inc(value);
        },
      });
    mirror('gateway_decision_cache_hits_total', 'Operation decisions served from the decision cache', () => sources().authorization?.().cacheHits);
    mirror('gateway_decision_cache_misses_total', 'Operations decided (decision cache misses)', () => sources().authorization?.().decisions);
    mirror('gateway_plan_cache_misses_total', 'Query plans built by the planner (plan cache misses)', () => sources().authorization?.().plansBuilt);
    mirror('gateway_plan_cache_hits_total', 'Query plans served from the plan cache', () => {
      const stats = sources().authorization?.();
      return stats?.plansResolved === undefined ? undefined : Math.max(0, stats.plansResolved - stats.plansBuilt);
    });
    mirror('gateway_audit_entries_written_total', 'Audit entries committed', () => sources().audit?.().written);
    mirror('gateway_audit_append_failures_total', 'Audit entries whose append failed (their answers were withheld)', () => sources().audit?.().failed);
    new Gauge({
      name: 'gateway_audit_queue_depth',
      help: 'Audit entries waiting for or in an append',
      registers: [this.registry],
      collect() {
        this.set(sources().audit?.().pending ?? 0);
      },
    });
    const info = (name: string, help: string, label: string, read: () => string | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [this.registry],
        collect() {
          this.reset();
          const value = read();
          if (value !== undefined) this.set({ [label]: value }, 1);
        },
      });
    info('gateway_rules_info', 'The access rules in force (version)', 'version', () => sources().ruleVersion?.());
    info('gateway_supergraph_info', 'The supergraph in force (sha256 of the file)', 'sha256', () => sources().supergraphSha256?.());
    new Gauge({
      name: 'gateway_readiness_check',
      help: 'Result of the last readiness check (/readyz), per check: 1 ok, 0 degraded',
      labelNames: ['check'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const report = sources().readiness?.();
        if (!report) return;
        for (const [check, result] of Object.entries(report.checks)) this.set({ check }, result.status === 'ok' || result.status === 'disabled' ? 1 : 0);
      },
    });
  }

  /** The counters read at scrape time; set once the gateway's parts exist. */
  attach(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /**
   * On the GraphQL path, early: counts the request when its answer is complete (or the caller
   * went away), with what the Apollo plugin and the front's refusal learned of it.
   */
  requestMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const started = process.hrtime.bigint();
      const state = maybeRequestStateOf(req);
      const key = state?.requestId;
      const observation: Observation = { codes: new Set(), withErrors: false };
      if (key !== undefined) this.observations.set(key, observation);
      res.once('close', () => {
        if (key !== undefined) this.observations.delete(key);
        const status = res.statusCode;
        const refusedWith = state?.refusedWith;
        if (refusedWith) observation.codes.add(refusedWith);
        else if (status >= 400 && observation.codes.size === 0) observation.codes.add(status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
        const outcome = status >= 500 ? 'failed' : status >= 400 ? 'refused' : observation.withErrors ? 'partial' : 'success';
        this.requests.inc({ operation: this.operations.value(observation.operation), client: this.clients.value(state?.client.clientName?.value), outcome });
        this.requestSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
        for (const code of observation.codes) this.refusals.inc({ code: this.codes.value(code) });
      });
      next();
    };
  }

  /** Tells the front which operation ran and which error codes its answer carries. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const observations = this.observations;
    return {
      async requestDidStart() {
        return {
          async willSendResponse({ contextValue, operationName, document, response }) {
            const observation = observations.get(contextValue.requestId);
            if (!observation) return;
            // Resolved after validation; a request refused by validation has the name it claimed, or its document's.
            observation.operation = operationName ?? contextValue.claims?.operationName ?? soleOperationName(document) ?? null;
            const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
            observation.withErrors = errors.length > 0;
            for (const error of errors) {
              const code = error.extensions?.['code'];
              if (typeof code === 'string') observation.codes.add(code);
            }
          },
        };
      },
    };
  }

  /** A subgraph call: call the result when its answer's headers arrived (or it failed). */
  subgraphCallStarted(subgraph: string): () => void {
    const started = process.hrtime.bigint();
    return () => this.subgraphSeconds.observe({ subgraph }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  subgraphCallFailed(subgraph: string, kind: 'timeout' | 'unavailable' | 'http'): void {
    this.subgraphErrors.inc({ subgraph, kind });
  }

  auditAppended(seconds: number, ok: boolean): void {
    this.auditSeconds.observe({ result: ok ? 'committed' : 'failed' }, seconds);
  }

  /**
   * The exposition text. Node's default metrics (event-loop delay, GC, memory) start with the first
   * scrape: their monitors (a 10 ms event-loop timer, a GC observer) cannot be stopped, so a
   * gateway nobody scrapes (every test's) does not run them.
   */
  scrape(): Promise<string> {
    if (!this.defaultsStarted) {
      this.defaultsStarted = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }
}
