import type { AuditAnchor } from './store';

/**
 * The chain head as an officer keeps it outside the database (`npm run audit:anchor`): a small JSON
 * file, or the two lines of it on paper. Whoever can rewrite the database can rewrite the whole
 * chain consistently, head included; they cannot rewrite a copy of the head kept elsewhere, so
 * `audit:verify --anchor FILE` then finds the record it names missing (a cut chain) or carrying
 * another hash (a rewritten one).
 */
export const ANCHOR_FORMAT = 'ward-audit-anchor/1';

export interface AuditAnchorFile extends AuditAnchor {
  format: typeof ANCHOR_FORMAT;
  /** When the anchor was taken (ISO 8601). */
  anchoredAt: string;
  /** sqlite or postgresql: which store it was taken from (informational). */
  dialect: string;
}

export function anchorFile(head: AuditAnchor, dialect: string, at: Date = new Date()): AuditAnchorFile {
  return { format: ANCHOR_FORMAT, sequence: head.sequence, hash: head.hash, recordedAt: head.recordedAt, anchoredAt: at.toISOString(), dialect };
}

export class AnchorFormatError extends Error {}

/** The anchor in a file's text; throws AnchorFormatError when it is not one. */
export function parseAnchor(text: string): AuditAnchorFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnchorFormatError('not JSON');
  }
  const anchor = value as Partial<AuditAnchorFile>;
  if (anchor?.format !== ANCHOR_FORMAT) throw new AnchorFormatError(`format is not ${ANCHOR_FORMAT}`);
  if (!Number.isSafeInteger(anchor.sequence) || (anchor.sequence as number) < 0) throw new AnchorFormatError('sequence is not a whole number');
  if (typeof anchor.hash !== 'string' || !/^[0-9a-f]{64}$/.test(anchor.hash)) throw new AnchorFormatError('hash is not 64 hex digits');
  return {
    format: ANCHOR_FORMAT,
    sequence: anchor.sequence as number,
    hash: anchor.hash,
    recordedAt: String(anchor.recordedAt ?? ''),
    anchoredAt: String(anchor.anchoredAt ?? ''),
    dialect: String(anchor.dialect ?? ''),
  };
}
