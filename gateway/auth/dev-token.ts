import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER } from '../config';
import { DEV_KEY_ALGORITHM, type DevKeys } from '../../lib/dev-keys';
import type { Persona } from './personas';
import type { IdentityClaims } from '../../lib/gateway-identity';

export const DEFAULT_DEV_TOKEN_LIFETIME = '8h';

export interface DevTokenClaims {
  readonly sub: string;
  readonly name: string;
  readonly department: string;
  readonly department_id: string;
  readonly roles: readonly string[];
  readonly purpose: string;
  /** RFC 8176 methods: `hwk` (IC card, a hardware-held key) + `pwd` is the ward's two factors. */
  readonly amr: readonly string[];
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly iss: string;
  readonly aud: string;
}

export interface MintDevTokenOptions {
  readonly persona: Persona;
  readonly keys: DevKeys;
  /** `30m`, `8h`, `2d` … */
  readonly expiresIn?: string;
  /** Overrides the persona's default purpose. */
  readonly purpose?: string;
  readonly now?: Date;
}

export interface DevToken {
  readonly token: string;
  readonly claims: DevTokenClaims;
  readonly expiresAt: Date;
}

const MAX_LIFETIME_SECONDS = 30 * 24 * 3600;

/** Parses `90s`, `30m`, `8h`, `2d` into seconds; throws a message fit for a command line. */
export function parseLifetime(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (!match) throw new Error(`Invalid lifetime '${value}': use a number followed by s, m, h or d (e.g. 8h)`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0 || seconds > MAX_LIFETIME_SECONDS) throw new Error(`Lifetime '${value}' must be between 1s and 30d`);
  return seconds;
}

export function devSubject(persona: Persona): string {
  return `dev:${persona.id}`;
}

/**
 * The identity the gateway signs into a subgraph call for a persona signed in with its dev token
 * (default purpose, no scopes): for callers that play the gateway — the tests and the bench's
 * "subgraph direct" contender.
 */
export function devIdentityClaims(persona: Persona, ruleVersion: string, requestId: string): IdentityClaims {
  return {
    sub: devSubject(persona),
    department: persona.department.id,
    roles: persona.roles,
    purpose: persona.defaultPurpose,
    mfa: persona.mfa,
    scopes: [],
    ruleVersion,
    requestId,
  };
}

export async function mintDevToken(options: MintDevTokenOptions): Promise<DevToken> {
  const { persona, keys } = options;
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAt = issuedAt + parseLifetime(options.expiresIn ?? DEFAULT_DEV_TOKEN_LIFETIME);
  const claims: DevTokenClaims = {
    sub: devSubject(persona),
    name: persona.displayName,
    department: persona.department.name,
    department_id: persona.department.id,
    roles: persona.roles,
    purpose: options.purpose ?? persona.defaultPurpose,
    amr: persona.mfa ? ['pwd', 'hwk'] : ['pwd'],
    jti: randomUUID(),
    iat: issuedAt,
    exp: expiresAt,
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
  };
  const token = await new SignJWT({ ...claims, roles: [...claims.roles], amr: [...claims.amr] })
    .setProtectedHeader({ alg: DEV_KEY_ALGORITHM, typ: 'JWT', kid: keys.kid })
    .sign(keys.privateKey);
  return { token, claims, expiresAt: new Date(expiresAt * 1000) };
}
