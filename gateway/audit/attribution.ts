/**
 * Person attribution after the response (issue 14, item 1).
 *
 * A search of the CS (`searchIdentity`, `identityByResidentCode` …) returns 本人確認情報 that the
 * CS keys by 住民票コード; the trail names persons by the register's 宛名番号, which the CS does
 * not hold. Asking the register for it inside the request was a second, sequential subgraph
 * fetch on a one-fetch workload. Instead the rewrite fetches the 住民票コード the CS answers
 * anyway (rewrite.ts `references`), the OPERATION record names the person by it, sealed
 * (`rc~…`, lib/audit/person-references.ts: the trail never holds the code), and is committed
 * before the response as always (fail closed); here, after the response, the register resolves
 * the code and a PERSONS_ATTRIBUTED record names both: the sealed reference and its 宛名番号.
 *
 * The link is the code. A 住民票コード and a 宛名番号 each name one person for life, so one
 * PERSONS_ATTRIBUTED record per code links every operation that ever named the person by it;
 * readers join the two (lib/audit/query.ts, lib/audit/anomalies.ts). A record per request cost
 * the audit store a second record for every search (measured on (c): rules ÷ no rules 0.40–0.48
 * with a record per request, 0.61–0.80 with none); a record per person costs it once. This
 * process remembers which codes it has linked (a bounded set, codes only); after a restart a code
 * may be linked again, which readers take as the same link.
 *
 * Never losing the link: the OPERATION record is durable before anything else happens, and it
 * names the person already. A gateway that stops before the link leaves references that no
 * PERSONS_ATTRIBUTED record names; the sweep finds those at start and every SWEEP_INTERVAL_MS
 * and links them (lib/audit/attribution-pending.ts). A code the register does not resolve (no
 * such resident, one the caller may not see, or a caller the register refuses) is linked to
 * nothing, with the reason in `detail`, and the sweep does not take it up again; only a code the
 * register does not hold is remembered as done here, so the next request that names one the
 * caller could not see, or of a caller it refused, asks again as its own caller.
 *
 * The codes of one caller's requests gather for BATCH_WINDOW_MS and go to the register in one
 * call, as that caller (the register answers what they may see).
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pendingAttributions } from '../../lib/audit/attribution-pending';
import type { PersonReferenceSeal } from '../../lib/audit/person-references';
import { eventDecision, type AuditEntryInput } from '../../lib/audit/types';
import { LruCache } from '../../lib/bounded-cache';
import type { IdentityClaims } from '../../lib/gateway-identity';
import type { AuditWriter } from './writer';

/**
 * What the register answered for some codes, as `claims` may see them: the 宛名番号 of those it
 * resolved, and those it refused to show this caller (支援措置); the rest it does not hold.
 * Rejects when the register could not be asked (tried again later), or with AttributionRefused
 * when it refused the caller as a whole (recorded, not tried again by the sweep).
 */
export interface Resolution {
  readonly resolved: ReadonlyMap<string, string>;
  readonly notVisible: ReadonlySet<string>;
}
export type ResolveResidentCodes = (codes: readonly string[], claims: IdentityClaims) => Promise<Resolution>;

/** The register refused the recorded caller (a revoked user, an identity it no longer accepts): the link says so. */
export class AttributionRefused extends Error {}

/** The reference field the register resolves (IdentityInfo.residentCode, 住民票コード). */
export const RESIDENT_CODE_REFERENCE = 'residentCode';

/** Codes per call to the register (a search returns at most 100; more are asked in turn). */
const CODES_PER_CALL = 100;
/** How long one caller's codes gather before the register is asked for all of them at once. */
const BATCH_WINDOW_MS = 50;
/** Codes this process remembers as linked (codes only, never a 宛名番号); beyond it a code may be linked again. */
const LINKED_CODES_REMEMBERED = 100_000;
/** Tries of one batch before it is left to the sweep (a register that is down). */
const RETRY_DELAYS_MS = [200, 1_000, 5_000];
/** How often the sweep looks for references left unlinked; records younger than a sweep's age are their request's. */
export const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_MIN_AGE_MS = 30_000;
const SWEEP_PAGE = 100;

export interface PersonAttributionOptions {
  readonly writer: AuditWriter;
  /** Opens the references the trail names and seals the links' (the key the rewrite sealed them with). */
  readonly seal: PersonReferenceSeal;
  readonly resolve: ResolveResidentCodes;
  readonly logger: Logger;
  /** The audit database, read by the sweep; without it only the codes of this process's own requests are linked. */
  readonly db?: Knex;
  /** The sweep's period (tests: shorter); 0 = only at start. */
  readonly sweepIntervalMs?: number;
  readonly sweepMinAgeMs?: number;
  readonly retryDelaysMs?: readonly number[];
}

export interface AttributionStats {
  /** PERSONS_ATTRIBUTED records written (one per code), by requests and by the sweep. */
  linked: number;
  /** Codes the sweep linked. */
  swept: number;
  /** Codes given up for now (the sweep takes them up again). */
  deferred: number;
  /** Calls to the register. */
  calls: number;
}

/** Codes of one caller waiting for the register, each with the request that named it first. */
interface Batch {
  readonly claims: IdentityClaims;
  readonly codes: Map<string, AuditEntryInput>;
  timer?: NodeJS.Timeout;
}

export class PersonAttribution {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly batches = new Map<string, Batch>();
  private readonly linkedCodes = new LruCache<true>(LINKED_CODES_REMEMBERED);
  /** Codes in a batch gathering or in flight: a request naming one again adds nothing. */
  private readonly pendingCodes = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Records up to this sequence have been swept with nothing left to do: the next sweep starts after it. */
  private sweptThrough = 0;
  private stopped = false;
  readonly stats: AttributionStats = { linked: 0, swept: 0, deferred: 0, calls: 0 };

  constructor(private readonly options: PersonAttributionOptions) {}

  /** The sweep at start, then periodically (when the audit database is given). */
  start(): void {
    if (!this.options.db) return;
    void this.sweep();
    const interval = this.options.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
    if (interval > 0) this.timer = setInterval(() => void this.sweep(), interval).unref();
  }

  /**
   * After `entry` was committed: links the codes it names that this process has not linked yet,
   * in the background (the response does not wait). Returns at once; never throws.
   */
  attributeLater(entry: AuditEntryInput): void {
    if (this.stopped) return;
    const codes = this.codesOf(entry).filter((code) => !this.linkedCodes.has(code) && !this.pendingCodes.has(code));
    if (codes.length === 0) return;
    const key = callerKey(entry);
    let batch = this.batches.get(key);
    if (!batch) this.batches.set(key, (batch = { claims: claimsOf(entry), codes: new Map() }));
    for (const code of codes) {
      batch.codes.set(code, entry);
      this.pendingCodes.add(code);
    }
    if (batch.codes.size >= CODES_PER_CALL) this.flush(key);
    else batch.timer ??= setTimeout(() => this.flush(key), BATCH_WINDOW_MS).unref();
  }

  /** One sweep over the references left unlinked (at most one sweep at a time). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Resolves once every attribution started so far (gathering batches sent now) and a sweep under way have ended. */
  async settled(): Promise<void> {
    this.flushAll();
    while (this.inFlight.size > 0 || this.sweeping) {
      await this.sweeping;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Stops the sweep and sends what is gathering; waits for it (the links are written before the writer closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.flushAll();
    await this.sweeping;
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(key: string): void {
    const batch = this.batches.get(key);
    if (!batch) return;
    this.batches.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    const task = this.linkWithRetries(batch).finally(() => {
      this.inFlight.delete(task);
      for (const code of batch.codes.keys()) this.pendingCodes.delete(code);
    });
    this.inFlight.add(task);
  }

  private flushAll(): void {
    for (const key of [...this.batches.keys()]) this.flush(key);
  }

  private async linkWithRetries(batch: Batch): Promise<void> {
    const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.link(batch);
        return;
      } catch (error) {
        if (attempt >= delays.length || this.stopped) {
          this.stats.deferred += batch.codes.size;
          this.options.logger.warn({ codes: batch.codes.size, err: (error as Error).message }, 'persons not attributed yet; the sweep will take them up');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]).unref());
      }
    }
  }

  /**
   * Asks the register for the batch's codes and writes one PERSONS_ATTRIBUTED record per code
   * (rejects when the register or the trail could not be reached: nothing is remembered as
   * linked then, and the batch is tried again).
   */
  private async link(batch: Batch): Promise<number> {
    const codes = [...batch.codes.keys()];
    const resolved = new Map<string, string>();
    const notVisible = new Set<string>();
    let refused: string | null = null;
    try {
      for (let start = 0; start < codes.length; start += CODES_PER_CALL) {
        this.stats.calls += 1;
        const answer = await this.options.resolve(codes.slice(start, start + CODES_PER_CALL), batch.claims);
        for (const [code, id] of answer.resolved) resolved.set(code, id);
        for (const code of answer.notVisible) notVisible.add(code);
      }
    } catch (error) {
      if (!(error instanceof AttributionRefused)) throw error;
      refused = error.message;
    }
    const seal = (code: string) => this.options.seal.seal(RESIDENT_CODE_REFERENCE, code);
    const why = (code: string): string | null =>
      resolved.has(code) ? null : refused !== null ? `the register refused the caller (${refused})` : notVisible.has(code) ? 'not visible to the caller' : 'not in the register';
    await Promise.all(codes.map((code) => this.options.writer.write(linkEntry(batch.codes.get(code)!, seal(code), resolved.get(code) ?? null, why(code)))));
    // Remembered: what the register resolved or does not hold. A code one caller may not see, or
    // of a caller the register refused, is asked again when another request names it.
    for (const code of codes) if (refused === null && !notVisible.has(code)) this.linkedCodes.set(code, true);
    this.stats.linked += codes.length;
    return codes.length;
  }

  /** The 住民票コード an entry names by sealed reference. */
  private codesOf(entry: Pick<AuditEntryInput, 'personIds'>): string[] {
    const codes = new Set<string>();
    for (const personId of entry.personIds) {
      const reference = this.options.seal.open(personId);
      if (reference && reference.field === RESIDENT_CODE_REFERENCE) codes.add(reference.value);
    }
    return [...codes];
  }

  private async sweepOnce(): Promise<void> {
    const db = this.options.db;
    if (!db) return;
    let after = this.sweptThrough;
    let failed = false;
    try {
      for (;;) {
        if (this.stopped) return;
        const pending = await pendingAttributions(db, {
          fields: [RESIDENT_CODE_REFERENCE],
          occurredBeforeMs: Date.now() - (this.options.sweepMinAgeMs ?? SWEEP_MIN_AGE_MS),
          afterSequence: after,
          limit: SWEEP_PAGE,
        });
        const batches = new Map<string, Batch>();
        for (const record of pending) {
          const key = callerKey(record);
          let batch = batches.get(key);
          if (!batch) batches.set(key, (batch = { claims: claimsOf(record), codes: new Map() }));
          // Only the codes still unlinked: a record may name others that are linked already.
          for (const code of this.codesOf(record)) if (!batch.codes.has(code) && !this.linkedCodes.has(code)) batch.codes.set(code, record);
        }
        for (const batch of batches.values()) {
          if (batch.codes.size === 0) continue;
          try {
            this.stats.swept += await this.link(batch);
          } catch (error) {
            // The register or the trail is down: the next sweep tries again from the same place.
            failed = true;
            this.options.logger.warn({ codes: batch.codes.size, err: (error as Error).message }, 'sweep: persons not attributed yet');
          }
        }
        if (pending.length > 0) after = pending[pending.length - 1].sequence;
        if (pending.length < SWEEP_PAGE) {
          // Everything older than the sweep's age up to `after` is linked: later sweeps start there.
          if (!failed) this.sweptThrough = after;
          return;
        }
      }
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'sweep for unattributed persons failed; the next one tries again');
    }
  }
}

/** Codes asked for together are asked as one caller: the register answers what that caller may see. */
function callerKey(entry: AuditEntryInput): string {
  return JSON.stringify([entry.subject, entry.department, [...entry.roles].sort(), entry.purpose, entry.mfa, entry.ruleVersion]);
}

/** The operation's caller, as its record establishes them. */
function claimsOf(entry: AuditEntryInput): IdentityClaims {
  return {
    sub: entry.subject ?? '',
    department: entry.department ?? '',
    roles: entry.roles,
    purpose: entry.purpose ?? '',
    mfa: entry.mfa ?? false,
    scopes: [],
    ruleVersion: entry.ruleVersion ?? '',
    requestId: entry.requestId,
  };
}

/**
 * The PERSONS_ATTRIBUTED record of one 住民票コード: its persons are the sealed reference and,
 * when the register resolved it, the 宛名番号. Request id, caller and operation are those of the
 * operation that named the code first here (whose caller the register answered).
 */
export function linkEntry(operation: AuditEntryInput, reference: string, addressNumber: string | null, unresolved: string | null): AuditEntryInput {
  return {
    kind: 'PERSONS_ATTRIBUTED',
    occurredAt: new Date().toISOString(),
    requestId: operation.requestId,
    subject: operation.subject,
    department: operation.department,
    roles: [...operation.roles],
    purpose: operation.purpose,
    mfa: operation.mfa,
    clientName: operation.clientName,
    clientVersion: operation.clientVersion,
    caseReference: operation.caseReference,
    operationName: operation.operationName,
    operationHash: operation.operationHash,
    decision: eventDecision('PERSONS_ATTRIBUTED'),
    grantedFields: [],
    deniedFields: [],
    personIds: addressNumber === null ? [reference] : [reference, addressNumber],
    ruleVersion: operation.ruleVersion,
    errorCodes: [],
    detail: addressNumber !== null ? '住民票コード resolved to its 宛名番号 by the register' : `住民票コード not resolved: ${unresolved ?? 'unknown'}`,
  };
}

/**
 * The register's side: one call for all codes, each code under its own alias (the subgraph
 * batches them into one statement, subgraphs/shared/loaders.ts). A code the register does not
 * know, or one the caller may not see (支援措置), comes back null or with an error under its
 * alias: left unresolved. Only a call that fails as a whole rejects.
 */
export function residentCodeQuery(codes: readonly string[]): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const fields = codes.map((code, index) => {
    variables[`c${index}`] = code;
    return `r${index}: residentByCode(residentCode: $c${index}) { id }`;
  });
  const definitions = codes.map((_code, index) => `$c${index}: String!`).join(', ');
  return { query: `query AuditPersonAttribution(${definitions}) { ${fields.join(' ')} }`, variables };
}

/** The register's answer to residentCodeQuery: an alias with an error is a person this caller may not see; a null one, a code the register does not hold. */
export function residentIdsOf(codes: readonly string[], data: Record<string, unknown>, failed: ReadonlySet<string>): Resolution {
  const resolved = new Map<string, string>();
  const notVisible = new Set<string>();
  codes.forEach((code, index) => {
    const resident = data[`r${index}`] as { id?: unknown } | null | undefined;
    if (resident && typeof resident.id === 'string') resolved.set(code, resident.id);
    else if (failed.has(`r${index}`)) notVisible.add(code);
  });
  return { resolved, notVisible };
}
