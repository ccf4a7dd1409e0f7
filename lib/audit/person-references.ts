import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';

/**
 * A person named in the trail by what its subgraph answered (the CS's 住民票コード), not yet by
 * the register's 宛名番号 — sealed: `rc~<22 characters>`, the code encrypted under a key only the
 * gateways hold. The gateway links each reference to its 宛名番号 after the response
 * (gateway/audit/attribution.ts: a PERSONS_ATTRIBUTED record naming both), and readers of the
 * trail (personAccessHistory, the anomaly report) take the two together.
 *
 * Why sealed: a 住民票コード is a national identifier that only `cs_identity` may read, while the
 * trail is read by security officers who may not; and a trail that paired codes with 宛名番号 in
 * clear would be a lookup table for anyone who reads it. Sealed, the trail holds no code, and a
 * code someone knows cannot be looked up in it. The seal is AES-256 on the code's one block,
 * without an IV: equal codes seal equally (one link serves every record that names the person),
 * and a single-block cipher is a pseudo-random permutation, so the sealed form says nothing of the
 * code. A 宛名番号 never holds the separator, so a reference is never mistaken for one.
 */
const SEPARATOR = '~';
/** A short tag per reference field: a sealed reference fits the trail's 32-character person ids. */
const TAGS: Readonly<Record<string, string>> = { residentCode: 'rc' };
const FIELDS = new Map(Object.entries(TAGS).map(([field, tag]) => [tag, field]));
const KEY_BYTES = 32;
/** One AES block with PKCS#7 padding: values of up to 15 bytes (a 住民票コード has 11 digits). */
const MAX_VALUE_BYTES = 15;
const BLOCK_BYTES = 16;

export interface PersonReference {
  /** The field that named the person in its subgraph (`residentCode`). */
  readonly field: string;
  readonly value: string;
}

/** Whether a recorded person id is a reference (sealed), not a 宛名番号. */
export function isPersonReference(personId: string): boolean {
  return personId.includes(SEPARATOR);
}

/** The prefix every reference by `field` starts with (for a LIKE scan of AUDIT_PERSON). */
export function personReferencePrefix(field: string): string {
  return `${tagOf(field)}${SEPARATOR}`;
}

function tagOf(field: string): string {
  const tag = TAGS[field];
  if (tag === undefined) throw new Error(`no reference tag for the field ${field}`);
  return tag;
}

/**
 * Seals and opens references with one key (the gateways': gateway/audit/register-attribution.ts
 * derives it). ECB keeps no state between blocks, so one cipher and one decipher, padding done
 * here (PKCS#7, as OpenSSL would), serve every reference: a cipher made per reference was ~50 µs
 * of the request thread on a search.
 */
export class PersonReferenceSeal {
  private readonly cipher: Cipher;
  private readonly decipher: Decipher;

  constructor(key: Uint8Array) {
    if (key.byteLength !== KEY_BYTES) throw new Error(`a reference seal needs a ${KEY_BYTES}-byte key`);
    this.cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    this.decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  }

  seal(field: string, value: string): string {
    const plain = Buffer.from(value, 'utf8');
    // Never quoting the value: it is a person's identifier.
    if (plain.byteLength > MAX_VALUE_BYTES) throw new Error(`a ${field} reference longer than ${MAX_VALUE_BYTES} bytes cannot be sealed`);
    const padding = BLOCK_BYTES - plain.byteLength;
    const block = Buffer.concat([plain, Buffer.alloc(padding, padding)]);
    return `${personReferencePrefix(field)}${this.cipher.update(block).toString('base64url')}`;
  }

  /** The reference a recorded person id seals, or null for a 宛名番号 (or a reference sealed under another key). */
  open(personId: string): PersonReference | null {
    const at = personId.indexOf(SEPARATOR);
    // A Map, not an object: a prefix such as `constructor` must not find a field.
    const field = at > 0 ? FIELDS.get(personId.slice(0, at)) : undefined;
    if (field === undefined) return null;
    const sealed = Buffer.from(personId.slice(at + 1), 'base64url');
    // Exactly one block, or the shared decipher would keep a partial block for the next call.
    if (sealed.byteLength !== BLOCK_BYTES) return null;
    const block = this.decipher.update(sealed);
    const padding = block[BLOCK_BYTES - 1]!;
    // Padding as PKCS#7 writes it; anything else was sealed under another key (or is no seal).
    if (padding < 1 || padding > BLOCK_BYTES || !block.subarray(BLOCK_BYTES - padding).every((byte) => byte === padding)) return null;
    return { field, value: block.subarray(0, BLOCK_BYTES - padding).toString('utf8') };
  }
}
