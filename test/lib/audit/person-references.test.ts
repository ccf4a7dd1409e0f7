import { createCipheriv, randomBytes } from 'node:crypto';
import { isPersonReference, personReferencePrefix, PersonReferenceSeal } from '../../../lib/audit/person-references';

/**
 * The sealed references the trail names persons by before they are linked to a 宛名番号
 * (lib/audit/person-references.ts): the trail must never hold a 住民票コード, yet equal codes
 * must seal equally (one link serves every record) and the gateway must open them (the sweep).
 */
describe('sealed person references', () => {
  const key = randomBytes(32);
  const seal = new PersonReferenceSeal(key);
  const codes = ['30000010312', '30000020628', '30000030933', '00000000000', '99999999999'];

  test('equal codes seal equally; different codes differently; the gateway opens them again', () => {
    const sealed = codes.map((code) => seal.seal('residentCode', code));
    expect(codes.map((code) => seal.seal('residentCode', code))).toEqual(sealed);
    expect(new Set(sealed).size).toBe(codes.length);
    expect(sealed.map((reference) => seal.open(reference))).toEqual(codes.map((value) => ({ field: 'residentCode', value })));
  });

  test('a sealed reference holds no digit run of its code, fits the trail’s 32-character person ids, and is never a 宛名番号', () => {
    for (const code of codes) {
      const reference = seal.seal('residentCode', code);
      expect(reference.startsWith(personReferencePrefix('residentCode'))).toBe(true);
      expect(reference.length).toBeLessThanOrEqual(32);
      expect(reference).not.toContain(code.slice(-4));
      expect(isPersonReference(reference)).toBe(true);
    }
    expect(isPersonReference('0010000017')).toBe(false);
    expect(seal.open('0010000017')).toBeNull();
  });

  test('another key neither seals alike nor opens (a code someone knows cannot be looked up in the trail)', () => {
    const other = new PersonReferenceSeal(randomBytes(32));
    const reference = seal.seal('residentCode', codes[0]);
    expect(other.seal('residentCode', codes[0])).not.toBe(reference);
    expect(other.open(reference)?.value).not.toBe(codes[0]);
  });

  test('the seal is AES-256 on one PKCS#7-padded block, as a cipher made per value computes it (records sealed before stay readable)', () => {
    for (const value of [...codes, '', '1', '123456789012345', '住民']) {
      const oneShot = createCipheriv('aes-256-ecb', key, null);
      const expected = `rc~${Buffer.concat([oneShot.update(value, 'utf8'), oneShot.final()]).toString('base64url')}`;
      expect(seal.seal('residentCode', value)).toBe(expected);
      expect(seal.open(expected)).toEqual({ field: 'residentCode', value });
    }
  });

  test('malformed references (short, long, not base64url, another key) open to null and leave the next one intact', () => {
    const reference = seal.seal('residentCode', codes[1]);
    const other = new PersonReferenceSeal(randomBytes(32)).seal('residentCode', codes[1]);
    for (const bad of ['rc~', 'rc~AAAA', `${reference}AAAA`, 'rc~!!!!', `rc~${'A'.repeat(40)}`, other, 'xx~AAAAAAAAAAAAAAAAAAAAAA']) {
      // (another key decrypts to noise whose padding rarely passes; when it does, never to the code)
      expect(seal.open(bad)?.value ?? null).not.toBe(codes[1]);
      expect(seal.open(reference)).toEqual({ field: 'residentCode', value: codes[1] });
    }
    // A tag that only an object's prototype knows is no tag, even before a valid seal.
    for (const tag of ['constructor', '__proto__', 'toString']) expect(seal.open(`${tag}~${reference.slice(3)}`)).toBeNull();
  });

  test('a value longer than one block, or a key of the wrong size, is refused without quoting the value', () => {
    expect(() => seal.seal('residentCode', '1234567890123456')).toThrow('a residentCode reference longer than 15 bytes cannot be sealed');
    expect(() => new PersonReferenceSeal(randomBytes(16))).toThrow('a reference seal needs a 32-byte key');
  });
});
