/**
 * `npm run token -- <persona> [--expires-in 8h] [--purpose <purpose-id>]`
 * Prints a development JWT for one of the personas (docs/domain.md), signed with the dev key
 * pair the gateway verifies with in AUTH_MODE=dev. Explanations go to stderr; the token is the
 * last line on stdout, so `TOKEN=$(npm run -s token -- registry-clerk)` works.
 */
import { parseArgs } from 'node:util';
import { loadOrCreateDevKeys } from '../lib/dev-keys';
import { DEFAULT_DEV_TOKEN_LIFETIME, mintDevToken } from '../gateway/auth/dev-token';
import { findPersona, isPurposeId, PERSONAS, PURPOSES, type Persona } from '../gateway/auth/personas';
import { fromProjectRoot } from '../lib/project-root';

const USAGE = 'usage: npm run token -- <persona> [--expires-in 8h] [--purpose <purpose-id>]';

function personaList(): string {
  const width = Math.max(...PERSONAS.map((persona) => persona.id.length));
  return PERSONAS.map(
    (persona) =>
      `  ${persona.id.padEnd(width)}  ${persona.department.name} · ${persona.roles.join(',')} · ${persona.defaultPurpose}` +
      `${persona.mfa ? '' : ' · no MFA'}${persona.revoked ? ' · revoked' : ''}`,
  ).join('\n');
}

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`${message}\n\n${USAGE}\n\npersonas:\n${personaList()}\n\npurposes: ${PURPOSES.map((purpose) => purpose.id).join(', ')}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        'expires-in': { type: 'string', default: DEFAULT_DEV_TOKEN_LIFETIME },
        purpose: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  if (parsed.values.help) fail('Prints a signed development token for a persona.', 0);
  const [personaId, ...extra] = parsed.positionals;
  if (personaId === undefined) fail('Name a persona.');
  if (extra.length > 0) fail(`Unexpected argument(s): ${extra.join(' ')}`);
  const persona: Persona | undefined = findPersona(personaId);
  if (!persona) fail(`Unknown persona "${personaId}".`);

  const purpose = parsed.values.purpose;
  // Unknown purposes can still be tried per request with the X-Purpose header.
  if (purpose !== undefined && !isPurposeId(purpose)) fail(`Unknown purpose "${purpose}".`);

  const keysPath = fromProjectRoot(process.env['AUTH_DEV_KEYS_PATH'] ?? 'data/dev-keys.json');
  const keys = await loadOrCreateDevKeys(keysPath);
  let minted;
  try {
    minted = await mintDevToken({
      persona,
      keys,
      expiresIn: parsed.values['expires-in'],
      ...(purpose !== undefined ? { purpose } : {}),
    });
  } catch (error) {
    fail((error as Error).message);
  }

  const { claims } = minted;
  process.stderr.write(
    [
      `Development token for ${persona.id}: ${persona.description}.`,
      `  sub ${claims.sub} · ${claims.department} (${claims.department_id}) · roles ${claims.roles.join(',')}`,
      `  purpose ${claims.purpose} · MFA ${persona.mfa ? 'yes (amr pwd+hwk)' : 'no (amr pwd)'} · expires ${minted.expiresAt.toISOString()}`,
      ...(persona.revoked ? ['  Note: this persona is on the revocation list (policy/revocations.yaml): the gateway answers its requests with HTTP 401.'] : []),
      `  Signed with the dev key in ${keysPath}; accepted only by a gateway running AUTH_MODE=dev.`,
      '  Use: curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\',
      `         -d '{"query":"{ __typename }"}' http://127.0.0.1:${process.env['GATEWAY_PORT'] ?? '4000'}/graphql`,
      '  or paste it into the IDE at http://127.0.0.1:' + (process.env['GATEWAY_PORT'] ?? '4000') + '/',
      '',
    ].join('\n'),
  );
  process.stdout.write(`${minted.token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
