/**
 * The identity ids (`jti`) a subgraph has accepted, each held until no clock could still accept
 * its token (lib/gateway-identity.ts: lifetime plus clock tolerance): a token is answered once.
 *
 * Bounded: at most `capacity` ids. Tokens live seconds, so the bound is a rate (capacity per
 * lifetime); when it is reached with every id still live, new tokens are refused (fail closed)
 * rather than an id forgotten early, which would reopen its replay.
 */
export type ReplayVerdict = 'first' | 'replayed' | 'full';

export class ReplayCache {
  /** jti → until when (epoch ms) it is held. Insertion order is close to expiry order. */
  private readonly held = new Map<string, number>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`replay cache capacity must be a positive integer, got ${capacity}`);
  }

  /** Records `id` until `untilMs` unless it is already held; `nowMs` drops what has expired. */
  remember(id: string, untilMs: number, nowMs: number): ReplayVerdict {
    this.dropExpired(nowMs, false);
    const until = this.held.get(id);
    if (until !== undefined) return 'replayed';
    if (this.held.size >= this.capacity) {
      // The oldest id is still live: sweep the whole map once (ids out of order) before refusing.
      this.dropExpired(nowMs, true);
      if (this.held.size >= this.capacity) return 'full';
    }
    this.held.set(id, untilMs);
    return 'first';
  }

  get size(): number {
    return this.held.size;
  }

  private dropExpired(nowMs: number, everywhere: boolean): void {
    for (const [id, until] of this.held) {
      if (until <= nowMs) this.held.delete(id);
      else if (!everywhere) return;
    }
  }
}
