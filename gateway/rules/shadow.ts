/**
 * Shadow mode (issue 12.2): a pending proposal runs on the live gateway for a period. Each audited
 * operation is decided again under the proposal's rules (as approval would merge them over the
 * rules in force) from the same profile and field coordinates; the answer follows the rules in
 * force. Differing operations and the number compared are written to the version store
 * (RULE_SHADOW_DIFF / RULE_SHADOW_TALLY) once per `flushMs`, off the request path, so every replica
 * adds to one tally. Which proposals run is polled from the store at the same pace.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { PolicySet } from '../../lib/policy/types';
import type { FieldClassification } from '../../lib/authorization/types';
import { compileFiles, versionOf } from '../../lib/rule-versions/files';
import { OperationComparer } from '../../lib/rule-versions/impact';
import type { RuleVersionStore, ShadowDiffRow } from '../../lib/rule-versions/version-store';
import { inForceVersion, proposalOverInForce } from '../../lib/rule-versions/workflow';
import { authorizationOutcomeOf } from '../authorization';
import type { GatewayContext } from '../context';

interface RunningShadow {
  readonly proposalId: string;
  readonly rules: PolicySet;
}

interface Pending {
  compared: number;
  diffs: ShadowDiffRow[];
}

/** Differences held per proposal between flushes at most (a flood is counted, not all kept). */
const MAX_PENDING_DIFFS = 5000;

export class ShadowRules {
  private running: readonly RunningShadow[] = [];
  private readonly comparers = new Map<string, OperationComparer>();
  private readonly pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly versions: RuleVersionStore,
    private readonly inForce: () => PolicySet,
    private readonly classifications: () => ReadonlyMap<string, FieldClassification>,
    private readonly logger: Logger,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.tick(), flushMs);
    this.timer.unref();
    void this.tick();
  }

  /** Proposals running in shadow mode on this replica now. */
  active(): readonly string[] {
    return this.running.map((shadow) => shadow.proposalId);
  }

  /** One audited operation: decided again under every running proposal (microseconds; no I/O). */
  observe(op: { occurredAt: string; subject: string; department: string; roles: readonly string[]; purpose: string; mfa: boolean; coordinates: readonly string[]; personIds: readonly string[] }): void {
    if (this.running.length === 0 || op.coordinates.length === 0) return;
    const current = this.inForce();
    for (const shadow of this.running) {
      const key = `${current.version}:${shadow.rules.version}`;
      let comparer = this.comparers.get(key);
      if (!comparer) {
        comparer = new OperationComparer(current, shadow.rules, this.classifications());
        this.comparers.set(key, comparer);
      }
      const difference = comparer.compare(op);
      const pending = this.pending.get(shadow.proposalId) ?? { compared: 0, diffs: [] };
      pending.compared++;
      const base = { occurredAt: op.occurredAt, subject: op.subject, department: op.department, personIds: [...op.personIds] };
      if (pending.diffs.length < MAX_PENDING_DIFFS) {
        if (difference.newlyRefused.length) pending.diffs.push({ ...base, direction: 'REFUSED', coordinates: difference.newlyRefused });
        if (difference.newlyAllowed.length) pending.diffs.push({ ...base, direction: 'ALLOWED', coordinates: difference.newlyAllowed });
      }
      this.pending.set(shadow.proposalId, pending);
    }
  }

  /** Writes what was observed and looks for the proposals running now. */
  async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await this.flush();
      await this.refresh();
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'shadow rules: store not reachable; trying again');
    } finally {
      this.busy = false;
    }
  }

  async flush(): Promise<void> {
    const entries = [...this.pending];
    this.pending.clear();
    for (const [proposalId, pending] of entries) await this.versions.recordShadow(proposalId, pending.compared, pending.diffs);
  }

  private async refresh(): Promise<void> {
    const proposals = await this.versions.activeShadows(Date.now());
    if (proposals.length === 0) {
      this.running = [];
      this.comparers.clear();
      return;
    }
    const { version: inForce } = await inForceVersion(this.versions);
    const running: RunningShadow[] = [];
    for (const proposal of proposals) {
      const base = await this.versions.version(proposal.baseVersion);
      const merged = base ? proposalOverInForce(proposal, base.files, inForce.files) : undefined;
      const files = merged?.ok ? merged.files : proposal.files;
      const known = this.running.find((shadow) => shadow.proposalId === proposal.id && shadow.rules.version === versionOf(files));
      try {
        running.push(known ?? { proposalId: proposal.id, rules: compileFiles(files) });
      } catch {
        this.logger.warn({ proposal: proposal.id }, 'shadow rules: the proposal no longer validates over the rules in force; not run');
      }
    }
    this.running = running;
    if (this.comparers.size > 32) this.comparers.clear();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // What was observed since the last tick is not lost on a clean stop.
    await this.flush().catch(() => undefined);
  }
}

/** Feeds every operation the first line decided to the shadow runs (after the answer is complete). */
export function shadowRulesPlugin(shadow: ShadowRules): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const context = requestContext.contextValue;
          const outcome = authorizationOutcomeOf(context);
          if (!outcome) return;
          const { principal } = context;
          shadow.observe({
            occurredAt: context.receivedAt.toISOString(),
            subject: principal.subject,
            department: principal.departmentId,
            roles: principal.roles,
            purpose: principal.purpose,
            mfa: principal.mfa,
            coordinates: [...outcome.decision.granted, ...[...outcome.decision.denied.values()].map((denied) => denied.coordinate)],
            personIds: outcome.personIds,
          });
        },
      };
    },
  };
}
