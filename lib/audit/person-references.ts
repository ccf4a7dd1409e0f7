/**
 * A person named in an OPERATION record by what its subgraph answered (the CS's 住民票コード),
 * not yet by the register's 宛名番号: `residentCode:<code>` among the record's personIds. The
 * gateway resolves it after the response and appends a PERSONS_ATTRIBUTED record with the same
 * request id that names the 宛名番号 (gateway/audit/attribution.ts); readers of the trail
 * (personAccessHistory, the anomaly report) take the two together. A 宛名番号 never holds the
 * separator, so a reference is never mistaken for one.
 */
const SEPARATOR = ':';

export interface PersonReference {
  /** The field that named the person in its subgraph (`residentCode`). */
  readonly field: string;
  readonly value: string;
}

export function personReference(field: string, value: string): string {
  return `${field}${SEPARATOR}${value}`;
}

/** The reference a recorded person id is, or null for a 宛名番号. */
export function parsePersonReference(personId: string): PersonReference | null {
  const at = personId.indexOf(SEPARATOR);
  return at <= 0 ? null : { field: personId.slice(0, at), value: personId.slice(at + 1) };
}

/** The prefix every reference by `field` starts with (for a range or LIKE scan of AUDIT_PERSON). */
export function personReferencePrefix(field: string): string {
  return `${field}${SEPARATOR}`;
}
