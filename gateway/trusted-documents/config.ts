/**
 * TRUSTED_DOCUMENTS (README "Trusted documents"):
 *   enforce  only documents an app registered and a security officer approved run; anything else
 *            is refused (403 OPERATION_NOT_TRUSTED) and the refusal recorded
 *   audit    roll-out: everything runs; a document that is not approved is named in its record
 *   off      everything runs (development)
 * Default: enforce when NODE_ENV=production, else off.
 */
export const TRUSTED_DOCUMENTS_MODES = ['enforce', 'audit', 'off'] as const;
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];

export interface TrustedDocumentsConfig {
  readonly mode: TrustedDocumentsMode;
  /**
   * How long one replica trusts an approval it has read (TRUSTED_DOCUMENTS_CACHE_MS, default 5000,
   * 0–60000): a rejection reaches every replica within it. Unapproved documents are never cached.
   */
  readonly cacheMs: number;
}

export function loadTrustedDocumentsConfig(read: (name: string) => string | undefined, problems: string[]): TrustedDocumentsConfig {
  const fallback: TrustedDocumentsMode = read('NODE_ENV') === 'production' ? 'enforce' : 'off';
  const mode = (read('TRUSTED_DOCUMENTS') ?? fallback) as TrustedDocumentsMode;
  if (!TRUSTED_DOCUMENTS_MODES.includes(mode)) problems.push(`TRUSTED_DOCUMENTS must be one of ${TRUSTED_DOCUMENTS_MODES.join(', ')}, got '${mode}'`);
  const rawCache = read('TRUSTED_DOCUMENTS_CACHE_MS') ?? '5000';
  const cacheMs = Number(rawCache);
  if (!/^\d+$/.test(rawCache) || cacheMs > 60_000) problems.push(`TRUSTED_DOCUMENTS_CACHE_MS must be an integer from 0 to 60000, got '${rawCache}'`);
  return { mode, cacheMs };
}
