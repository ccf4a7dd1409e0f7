/**
 * The verify walk: the whole chain, record by record — hash, link, place, side rows — then rows
 * beyond the chain, the head and an exported anchor. A break never stops the walk.
 */
import type { Knex } from 'knex';
import { GENESIS_HASH, recordHash } from './chain';
import { fieldSetId } from './field-sets';
import { readHead } from './head-lock';
import { AUDIT_TABLES } from './migrations';
import { fieldKey, LOG_COLUMNS, personKey, rowToRecord, sideRows, strictFieldKey, strictPersonKey, type LogRow } from './rows';
import type { AuditBreak, AuditBreakReason, AuditVerifyOptions, AuditVerifyResult } from './store-contract';
import type { AuditRecord } from './types';

/**
 * The whole walk: a break does not stop it (a false alarm at one record must not hide tampering
 * after it). Each record is checked once, for one reason: its hash, its link, its place, and its
 * AUDIT_PERSON rows and its field set (or, before migration 004, its AUDIT_FIELD rows) against
 * its lists; then rows beyond the chain, the head, and the anchor.
 */
export async function verifyChain(db: Knex, options: AuditVerifyOptions): Promise<AuditVerifyResult> {
  const chunkSize = options.chunkSize ?? 10_000;
  const breaks = new BreakList(options.maxListed ?? 100);
  const anchor = options.anchor;
  // An anchor of the empty trail (sequence 0) names the genesis hash, which no record carries.
  let anchorSeen = anchor?.sequence === 0;
  if (anchor?.sequence === 0 && anchor.hash !== GENESIS_HASH) breaks.add(0, 'ANCHOR_MISMATCH');
  // The highest stored sequence first, then the head: an honest append moves both in one
  // transaction, so rows above the head read afterwards were never appended through the chain.
  const max = await db(AUDIT_TABLES.log).max({ max: 'sequence' }).first();
  const head = await readHead(db);
  const maxStored = max?.max === null || max?.max === undefined ? 0 : Number(max.max);
  let expected = 1;
  let previousHash = GENESIS_HASH;
  /** False right after a gap: the missing record's hash is unknown, so the link cannot be checked. */
  let linkKnown = true;
  let previousRecordedAt = '';
  let relocationChecks = 0;
  let after = 0;
  for (;;) {
    const rows: (LogRow & { field_set: unknown })[] = await db(AUDIT_TABLES.log)
      .select([...LOG_COLUMNS, 'field_set'])
      .where('sequence', '>', after)
      .andWhere('sequence', '<=', head.sequence)
      .orderBy('sequence')
      .limit(chunkSize);
    if (rows.length === 0) break;
    const last = Number(rows[rows.length - 1].sequence);
    const side = await sideRowsBetween(db, after, last);
    const sets = await fieldSetsNamed(db, rows);
    for (const row of rows) {
      const sequence = Number(row.sequence);
      if (sequence > expected) {
        breaks.addRange(expected, sequence - 1, 'SEQUENCE_GAP');
        // A missing record is one break: its leftover person and field rows are not another.
        for (const map of [side.persons, side.fields]) for (const key of map.keys()) if (key >= expected && key < sequence) map.delete(key);
        linkKnown = false;
        expected = sequence;
      }
      let record: AuditRecord;
      try {
        record = rowToRecord(row);
      } catch {
        breaks.add(sequence, 'HASH_MISMATCH');
        previousHash = String(row.hash);
        linkKnown = true;
        expected = sequence + 1;
        continue;
      }
      let moved = false;
      if (recordHash(record) !== record.hash) {
        // Looking for a record's true place costs up to 200,000 hashes: for the first few only,
        // so a trail with many changed records is still walked in bounded time.
        moved = relocationChecks++ < MAX_RELOCATION_CHECKS && belongsElsewhere(record, head.sequence);
        breaks.add(sequence, moved ? 'SEQUENCE_ORDER' : 'HASH_MISMATCH');
      } else if (linkKnown && record.previousHash !== previousHash) breaks.add(sequence, 'CHAIN_BROKEN');
      else if (record.recordedAt < previousRecordedAt) breaks.add(sequence, 'SEQUENCE_ORDER');
      else if (sequence === head.sequence && record.hash !== head.hash) breaks.add(sequence, 'CHAIN_BROKEN');
      else {
        const expectedSide = sideRows(record);
        if (!sameRows(expectedSide.persons.map(personKey), side.persons.get(sequence))) breaks.add(sequence, 'PERSON_ROWS');
        else if (!sameFields(expectedSide.fields.map(fieldKey), row.field_set, side.fields.get(sequence), sets)) breaks.add(sequence, 'FIELD_ROWS');
      }
      side.persons.delete(sequence);
      side.fields.delete(sequence);
      if (anchor && sequence === anchor.sequence) {
        anchorSeen = true;
        if (record.hash !== anchor.hash) breaks.add(sequence, 'ANCHOR_MISMATCH');
      }
      if (breaks.count === 0) breaks.intact = sequence;
      previousHash = record.hash;
      // A record moved here carries another place's hash: the next link is not checkable against it.
      linkKnown = !moved;
      if (record.recordedAt > previousRecordedAt) previousRecordedAt = record.recordedAt;
      expected = sequence + 1;
    }
    // Person or field rows of a sequence that has no record (deleted, or never written).
    for (const sequence of side.persons.keys()) breaks.add(sequence, 'PERSON_ROWS');
    for (const sequence of side.fields.keys()) breaks.add(sequence, 'FIELD_ROWS');
    after = last;
    options.onProgress?.({ verified: expected - 1, total: head.sequence });
  }
  if (expected <= head.sequence) breaks.addRange(expected, head.sequence, 'SEQUENCE_GAP');
  if (maxStored > head.sequence) breaks.add(head.sequence + 1, 'CHAIN_BROKEN');
  for (const sequence of await sideSequencesOutside(db, head.sequence)) breaks.add(sequence.sequence, sequence.reason);
  if (anchor && !anchorSeen) breaks.add(anchor.sequence, 'ANCHOR_MISMATCH');
  return breaks.result(head.sequence);
}

/** AUDIT_PERSON and AUDIT_FIELD rows of the sequences (from, to], as comparable keys per sequence. */
async function sideRowsBetween(db: Knex, from: number, to: number): Promise<{ persons: Map<number, string[]>; fields: Map<number, string[]> }> {
  const persons = new Map<number, string[]>();
  const fields = new Map<number, string[]>();
  const personRows: { sequence: unknown; person_id: unknown }[] = await db(AUDIT_TABLES.person).select('sequence', 'person_id').where('sequence', '>', from).andWhere('sequence', '<=', to);
  for (const row of personRows) push(persons, Number(row.sequence), strictPersonKey(row));
  const fieldRows: { sequence: unknown; coordinate: unknown; granted: unknown; policy: unknown }[] = await db(AUDIT_TABLES.field)
    .select('sequence', 'coordinate', 'granted', 'policy')
    .where('sequence', '>', from)
    .andWhere('sequence', '<=', to);
  for (const row of fieldRows) push(fields, Number(row.sequence), strictFieldKey(row));
  return { persons, fields };
}

/** The AUDIT_FIELD_SET rows of the sets the records name, as comparable keys per set. */
async function fieldSetsNamed(db: Knex, rows: readonly { field_set: unknown }[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(rows.map((row) => row.field_set).filter((id): id is string => typeof id === 'string'))];
  const sets = new Map<string, string[]>();
  for (let index = 0; index < ids.length; index += SET_LOOKUP_CHUNK) {
    const setRows: { field_set: unknown; coordinate: unknown; granted: unknown; policy: unknown }[] = await db(AUDIT_TABLES.fieldSet)
      .select('field_set', 'coordinate', 'granted', 'policy')
      .whereIn('field_set', ids.slice(index, index + SET_LOOKUP_CHUNK));
    for (const row of setRows) if (typeof row.field_set === 'string') push(sets, row.field_set, strictFieldKey(row));
  }
  return sets;
}

const SET_LOOKUP_CHUNK = 400;

/**
 * A record's fields as stored against its lists: before migration 004 (no field set named) its
 * AUDIT_FIELD rows; since, no AUDIT_FIELD rows, and the set it names is the one its lists make
 * (same digest) and holds exactly their keys.
 */
function sameFields(expected: string[], named: unknown, rows: string[] | undefined, sets: Map<string, string[]>): boolean {
  if (named === null || named === undefined) return sameRows(expected, rows);
  // A name that is not text (a BLOB of the same bytes) is one no lookup finds.
  if (typeof named !== 'string' || (rows && rows.length > 0) || expected.length === 0) return false;
  const sorted = [...expected].sort();
  return named === fieldSetId(sorted) && sameRows(sorted, sets.get(named));
}

/** Sequences beyond the head (or below 1) that have person or field rows: added outside the chain. */
async function sideSequencesOutside(db: Knex, end: number): Promise<AuditBreak[]> {
  const found: AuditBreak[] = [];
  for (const [table, reason] of [[AUDIT_TABLES.person, 'PERSON_ROWS'], [AUDIT_TABLES.field, 'FIELD_ROWS']] as const) {
    const rows: { sequence: unknown }[] = await db(table)
      .distinct('sequence')
      .where('sequence', '>', end)
      .orWhere('sequence', '<', 1)
      .orderBy('sequence')
      .limit(1000);
    for (const row of rows) found.push({ sequence: Number(row.sequence), reason });
  }
  return found;
}

function push<K>(map: Map<K, string[]>, key: K, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameRows(expected: string[], stored: string[] | undefined): boolean {
  const actual = stored ?? [];
  if (expected.length !== actual.length) return false;
  const a = [...expected].sort();
  const b = [...actual].sort();
  return a.every((key, index) => key === b[index]);
}

/** The breaks a walk found: every one counted, the first `limit` (by sequence) kept. */
class BreakList {
  count = 0;
  /** The last sequence of the intact prefix (before the first break). */
  intact = 0;
  private readonly listed: AuditBreak[] = [];
  constructor(private readonly limit: number) {}

  add(sequence: number, reason: AuditBreakReason): void {
    this.count += 1;
    if (this.listed.length < this.limit) this.listed.push({ sequence, reason });
  }

  /** A run of missing records counts each one, without a loop over a forged huge range. */
  addRange(from: number, to: number, reason: AuditBreakReason): void {
    const listedNow = Math.min(to - from + 1, this.limit - this.listed.length);
    for (let i = 0; i < listedNow; i++) this.listed.push({ sequence: from + i, reason });
    this.count += to - from + 1;
  }

  result(_end: number): AuditVerifyResult {
    if (this.count === 0) return { ok: true, records: this.intact };
    const broken = [...this.listed].sort((a, b) => a.sequence - b.sequence);
    return { ok: false, records: this.intact, firstBroken: broken[0], broken, brokenCount: this.count };
  }
}

/**
 * A record whose hash holds under another sequence number is intact but out of its place: it was
 * moved (renumbered), not changed. Looks within ±100,000 places; only runs once a hash failed.
 */
function belongsElsewhere(record: AuditRecord, end: number): boolean {
  for (let distance = 1; distance <= 100_000; distance++) {
    for (const candidate of [record.sequence - distance, record.sequence + distance]) {
      if (candidate >= 1 && candidate <= end && recordHash({ ...record, sequence: candidate }) === record.hash) return true;
    }
    if (record.sequence - distance < 1 && record.sequence + distance > end) break;
  }
  return false;
}

/** Records whose true place verify looks for (belongsElsewhere) before it calls the rest changed. */
const MAX_RELOCATION_CHECKS = 10;
