import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { OrgshiftError } from '../core/errors.ts';

/** OWASP ASVS 5.0 §6.2: at least 8 characters (15 recommended), at least 64 allowed, no composition rules. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, userName?: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN)
    return `a password needs at least ${PASSWORD_MIN} characters (15 or more is better)`;
  if (length > PASSWORD_MAX) return `a password may have at most ${PASSWORD_MAX} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'that password is among the most common ones; choose another';
  if (userName !== undefined && lower === userName.toLowerCase())
    return 'a password must not be the user name';
  return null;
}

// argon2id with OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Spends the time of one verification, so that an unknown user name answers as slowly as a wrong password. */
const DUMMY = hashPassword('orgshift dummy password for timing');
export async function verifyNothing(password: string): Promise<void> {
  await verifyPassword(await DUMMY, password);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API tokens read `osk_<id>_<secret>`; only a hash of the secret is stored. */
export function newApiToken(): { id: string; secret: string; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomSecret();
  return { id, secret, token: `osk_${id}_${secret}` };
}

export function parseApiToken(token: string): { id: string; secret: string } | null {
  const match = /^osk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,})$/.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export const ROLES = ['viewer', 'planner', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function parseRole(text: string): Role {
  if ((ROLES as readonly string[]).includes(text)) return text as Role;
  throw new OrgshiftError('usage', `role must be one of ${ROLES.join(', ')}, found "${text}"`);
}

export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** A session's last use is written when it is older than this: not a write for every request. */
export const SESSION_TOUCH_MS = 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const LOGIN_MAX_FAILURES = 5;
