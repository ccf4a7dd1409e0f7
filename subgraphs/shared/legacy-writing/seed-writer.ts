import type { Household } from '../../../lib/synthetic/model';

/**
 * What every legacy system's seed writer offers. A writer is the only place, besides that
 * system's migrations and adapter, that knows the system's tables and columns: it maps the
 * world model to legacy rows.
 */
export interface SeedWriter {
  /** The tables this writer fills, code tables included. */
  readonly tables: readonly string[];
  /** Writes one batch of households in one transaction. */
  writeBatch(households: readonly Household[]): Promise<void>;
  /** Writes the code tables (マスタ). Call once, after the last batch. */
  finish(): Promise<void>;
}

export interface SeedWriterOptions {
  /**
   * SQLite only: false sends every insert through knex's query builder, as for other dialects.
   * The default prepared-statement path is faster; the switch exists to compare the two.
   */
  sqliteFastPath?: boolean;
}
