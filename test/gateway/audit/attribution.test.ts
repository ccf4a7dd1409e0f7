import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { AuditWriter, type AuditSink } from '../../../gateway/audit';
import { AttributionRefused, PersonAttribution, type Resolution } from '../../../gateway/audit/attribution';
import { PersonReferenceSeal } from '../../../lib/audit/person-references';
import type { AuditEntryInput } from '../../../lib/audit/types';
import type { IdentityClaims } from '../../../lib/gateway-identity';

/**
 * Who decides whether a 住民票コード is done (gateway/audit/attribution.ts), with the register's
 * answers given per caller: a code one caller may not see (支援措置), or of a caller the register
 * refused, must not be settled for everyone by that one answer (the hostile review of c88b816,
 * finding 2); a code the register resolved, or does not hold, is asked once. The entries go
 * through the real AuditWriter into a sink that keeps them.
 */

const silent = pino({ level: 'silent' });
const seal = new PersonReferenceSeal(randomBytes(32));
const CODE = '30000061863';

class KeptEntries implements AuditSink {
  readonly entries: AuditEntryInput[] = [];
  async append(entries: AuditEntryInput[]): Promise<void> {
    this.entries.push(...entries);
  }
}

function operation(subject: string, requestId: string): AuditEntryInput {
  return {
    kind: 'OPERATION',
    occurredAt: new Date().toISOString(),
    requestId,
    subject,
    department: 'registry-division',
    roles: ['clerk'],
    purpose: 'resident-registry',
    mfa: true,
    clientName: null,
    clientVersion: null,
    caseReference: null,
    operationName: null,
    operationHash: null,
    decision: 'GRANTED',
    grantedFields: ['IdentityInfo.name'],
    deniedFields: [],
    personIds: [seal.seal('residentCode', CODE)],
    ruleVersion: null,
    errorCodes: [],
    detail: null,
  };
}

/** The register as each caller sees it: `answers[sub]` for that caller. */
function register(answers: Record<string, Resolution | 'refused'>) {
  const calls: string[] = [];
  const resolve = async (codes: readonly string[], claims: IdentityClaims): Promise<Resolution> => {
    calls.push(claims.sub);
    const answer = answers[claims.sub];
    if (answer === 'refused') throw new AttributionRefused('residents answered 401 (UNAUTHENTICATED)');
    return answer ?? { resolved: new Map(), notVisible: new Set() };
  };
  return { calls, resolve };
}

async function run(answers: Record<string, Resolution | 'refused'>, subjects: string[]) {
  const sink = new KeptEntries();
  const writer = new AuditWriter({ sink, logger: silent });
  const { calls, resolve } = register(answers);
  const attribution = new PersonAttribution({ writer, seal, resolve, logger: silent, retryDelaysMs: [] });
  for (const [index, subject] of subjects.entries()) {
    attribution.attributeLater(operation(subject, `request-${index}`));
    await attribution.settled();
  }
  await writer.drain();
  const links = sink.entries.filter((entry) => entry.kind === 'PERSONS_ATTRIBUTED').map((entry) => [entry.subject, entry.personIds.length, entry.detail]);
  return { calls, links };
}

const hidden: Resolution = { resolved: new Map(), notVisible: new Set([CODE]) };
const seen: Resolution = { resolved: new Map([[CODE, '0010000068']]), notVisible: new Set() };
const RESOLVED = '住民票コード resolved to its 宛名番号 by the register';

test('a person one caller may not see is asked again for the next caller, who links them; then no more', async () => {
  const { calls, links } = await run({ 'dev:a': hidden, 'dev:b': seen }, ['dev:a', 'dev:b', 'dev:c']);
  expect(calls).toEqual(['dev:a', 'dev:b']);
  expect(links).toEqual([
    ['dev:a', 1, '住民票コード not resolved: not visible to the caller'],
    ['dev:b', 2, RESOLVED],
  ]);
});

test('a caller the register refuses settles nothing for the others', async () => {
  const { calls, links } = await run({ 'dev:revoked': 'refused', 'dev:b': seen }, ['dev:revoked', 'dev:b']);
  expect(calls).toEqual(['dev:revoked', 'dev:b']);
  expect(links.map(([subject, persons]) => [subject, persons])).toEqual([
    ['dev:revoked', 1],
    ['dev:b', 2],
  ]);
  expect(links[0][2]).toBe('住民票コード not resolved: the register refused the caller (residents answered 401 (UNAUTHENTICATED))');
});

test('a code the register does not hold is asked once', async () => {
  const { calls, links } = await run({}, ['dev:a', 'dev:b']);
  expect(calls).toEqual(['dev:a']);
  expect(links).toEqual([['dev:a', 1, '住民票コード not resolved: not in the register']]);
});
