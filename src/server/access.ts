import { restrictToSubtree, withoutLevels } from '../core/access.ts';
import { OrgshiftError } from '../core/errors.ts';
import type { History } from '../core/model.ts';
import { findRecord } from '../core/queries.ts';
import type { AccessStore, OrgEngine } from '../engine/org-engine.ts';
import { auditHash } from './audit.ts';
import {
  atLeast,
  hashPassword,
  LOGIN_MAX_FAILURES,
  LOGIN_WINDOW_MS,
  newApiToken,
  parseApiToken,
  parseRole,
  passwordProblem,
  type Role,
  randomSecret,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
  sameSecret,
  sha256,
  verifyNothing,
  verifyPassword,
} from './auth.ts';

/** Who is asking, and what their grant on the organization lets them do. */
export interface Principal {
  userId: number;
  name: string;
  role: Role;
  /** The unit id whose subtree bounds what they see; null for the whole organization. */
  scope: string | null;
  confidential: boolean;
  via: 'session' | 'token';
  sessionHash?: string;
  csrf?: string;
}

export interface AuditEvent {
  actor: string;
  requestId: string;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  target?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Users, grants, sessions, tokens and the audit log for one organization. Every check reads the
 * database, so a changed grant applies to the very next request.
 */
export class AccessService {
  private readonly views = new Map<string, { version: number; history: History }>();

  constructor(
    readonly engine: OrgEngine,
    readonly org: string,
  ) {}

  get store(): AccessStore {
    return this.engine.access;
  }

  private now(): string {
    return this.engine.now();
  }

  private async orgId(): Promise<number> {
    return (await this.engine.store.ensureOrg(this.org, this.now())).id;
  }

  async audit(event: AuditEvent): Promise<void> {
    const orgId = await this.orgId();
    await this.store.appendAudit((seq, prevHash) => {
      const row = {
        seq,
        at: this.now(),
        actor: event.actor,
        request_id: event.requestId,
        action: event.action,
        outcome: event.outcome,
        org_id: orgId,
        target: event.target ?? null,
        before_state: event.before === undefined ? null : JSON.stringify(event.before),
        after_state: event.after === undefined ? null : JSON.stringify(event.after),
        prev_hash: prevHash,
      };
      return { ...row, hash: auditHash(row) };
    });
  }

  /** Creates a user with a grant on this organization. The password must pass the policy. */
  async addUser(
    name: string,
    password: string,
    role: string,
    scope: string | null,
    confidential: boolean,
    actor: string,
  ): Promise<void> {
    const parsedRole = parseRole(role);
    if (!/^[\p{L}\p{N}._@-]{1,100}$/u.test(name)) {
      throw new OrgshiftError(
        'invalid_input',
        'a user name has 1 to 100 letters, digits, ".", "_", "@" or "-"',
      );
    }
    if (await this.store.findUser(name))
      throw new OrgshiftError('conflict', `user "${name}" already exists; use "user grant"`);
    const problem = passwordProblem(password, name);
    if (problem) throw new OrgshiftError('invalid_input', problem);
    const scopeId = scope === null ? null : await this.resolveScope(scope);
    const userId = await this.store.createUser(name, await hashPassword(password), this.now());
    await this.store.grant(userId, await this.orgId(), parsedRole, scopeId, confidential);
    await this.audit({
      actor,
      requestId: 'cli',
      action: 'user.add',
      outcome: 'success',
      target: name,
      after: { role: parsedRole, scope: scopeId, confidential },
    });
  }

  /** Sets a new password (policy checked); the user's sessions end. */
  async setPassword(name: string, password: string, actor: string): Promise<void> {
    const user = await this.store.findUser(name);
    if (!user) throw new OrgshiftError('not_found', `no user named "${name}"`);
    const problem = passwordProblem(password, name);
    if (problem) throw new OrgshiftError('invalid_input', problem);
    await this.store.setPassword(user.id, await hashPassword(password));
    await this.audit({ actor, requestId: 'cli', action: 'user.password', outcome: 'success', target: name });
  }

  async setGrant(
    name: string,
    role: string,
    scope: string | null,
    confidential: boolean,
    actor: string,
  ): Promise<void> {
    const user = await this.store.findUser(name);
    if (!user) throw new OrgshiftError('not_found', `no user named "${name}"`);
    const parsedRole = parseRole(role);
    const scopeId = scope === null ? null : await this.resolveScope(scope);
    const orgId = await this.orgId();
    const before = await this.store.grantOf(user.id, orgId);
    await this.store.grant(user.id, orgId, parsedRole, scopeId, confidential);
    await this.audit({
      actor,
      requestId: 'cli',
      action: 'user.grant',
      outcome: 'success',
      target: name,
      before: before ?? null,
      after: { role: parsedRole, scope: scopeId, confidential },
    });
  }

  private async resolveScope(scope: string): Promise<string> {
    return findRecord(await this.engine.history(this.org), 'unit', scope);
  }

  async createToken(name: string, actor: string): Promise<string> {
    const user = await this.store.findUser(name);
    if (!user) throw new OrgshiftError('not_found', `no user named "${name}"`);
    const token = newApiToken();
    await this.store.createToken(token.id, user.id, sha256(token.secret), this.now());
    await this.audit({
      actor,
      requestId: 'cli',
      action: 'token.create',
      outcome: 'success',
      target: name,
      after: { token: token.id },
    });
    return token.token;
  }

  /** On a store without users, creates `admin` with a random password and returns it; otherwise null. */
  async bootstrapAdmin(): Promise<string | null> {
    if ((await this.store.countUsers()) > 0) return null;
    const password = randomSecret(18);
    await this.addUser('admin', password, 'admin', null, true, 'system');
    return password;
  }

  private async principal(userId: number, via: Principal['via']): Promise<Principal | null> {
    const user = await this.store.userById(userId);
    if (!user) return null;
    const grant = await this.store.grantOf(userId, await this.orgId());
    if (!grant) return null;
    return {
      userId,
      name: user.name,
      role: parseRole(grant.role),
      scope: grant.scope_unit,
      confidential: grant.confidential === 1,
      via,
    };
  }

  /**
   * Checks a password login with throttling: after LOGIN_MAX_FAILURES failures for a name within
   * LOGIN_WINDOW_MS, further attempts are refused until the window passes.
   */
  async login(
    username: string,
    password: string,
    requestId: string,
  ): Promise<{ sessionId: string; principal: Principal }> {
    const since = new Date(Date.parse(this.now()) - LOGIN_WINDOW_MS).toISOString();
    if ((await this.store.loginFailuresSince(username, since)) >= LOGIN_MAX_FAILURES) {
      await this.audit({
        actor: username,
        requestId,
        action: 'auth.login',
        outcome: 'denied',
        target: 'throttled',
      });
      throw new OrgshiftError('throttled', 'too many failed logins for this user; try again later');
    }
    const user = await this.store.findUser(username);
    let ok = false;
    if (user) ok = await verifyPassword(user.password_hash, password);
    else await verifyNothing(password);
    const principal = ok && user ? await this.principal(user.id, 'session') : null;
    if (!principal) {
      await this.store.recordLoginFailure(username, this.now());
      await this.audit({ actor: username, requestId, action: 'auth.login', outcome: 'failure' });
      throw new OrgshiftError('unauthenticated', 'wrong user name or password');
    }
    await this.store.clearLoginFailures(username);
    const sessionId = randomSecret();
    const csrf = randomSecret();
    const sessionHash = sha256(sessionId);
    await this.store.createSession(sessionHash, principal.userId, csrf, this.now());
    await this.audit({ actor: username, requestId, action: 'auth.login', outcome: 'success' });
    return { sessionId, principal: { ...principal, sessionHash, csrf } };
  }

  async logout(principal: Principal, requestId: string): Promise<void> {
    if (principal.sessionHash) await this.store.deleteSession(principal.sessionHash);
    await this.audit({ actor: principal.name, requestId, action: 'auth.logout', outcome: 'success' });
  }

  /** The principal behind a session cookie or a bearer token, or null. Expired sessions are removed. */
  async authenticate(
    sessionId: string | undefined,
    bearer: string | undefined,
    requestId: string,
  ): Promise<Principal | null> {
    if (bearer !== undefined) {
      const parsed = parseApiToken(bearer);
      const stored = parsed ? await this.store.findToken(parsed.id) : undefined;
      if (!parsed || !stored || !sameSecret(stored.secret_hash, sha256(parsed.secret))) {
        await this.audit({
          actor: parsed?.id ?? 'unknown',
          requestId,
          action: 'auth.token',
          outcome: 'failure',
        });
        return null;
      }
      return this.principal(stored.user_id, 'token');
    }
    if (sessionId === undefined) return null;
    const sessionHash = sha256(sessionId);
    const session = await this.store.findSession(sessionHash);
    if (!session) return null;
    const now = Date.parse(this.now());
    if (
      now - Date.parse(session.last_seen_at) > SESSION_IDLE_MS ||
      now - Date.parse(session.created_at) > SESSION_ABSOLUTE_MS
    ) {
      await this.store.deleteSession(sessionHash);
      await this.audit({
        actor: String(session.user_id),
        requestId,
        action: 'auth.session-expired',
        outcome: 'failure',
      });
      return null;
    }
    if (now - Date.parse(session.last_seen_at) >= SESSION_TOUCH_MS) {
      await this.store.touchSession(sessionHash, this.now());
    }
    const principal = await this.principal(session.user_id, 'session');
    return principal ? { ...principal, sessionHash, csrf: session.csrf } : null;
  }

  /** The organization as this principal may see it: their subtree, and levels only with the confidential grant. */
  async view(principal: Principal, knownAt?: string): Promise<History> {
    const hideLevels = !principal.confidential && principal.role !== 'admin';
    if (principal.scope === null && !hideLevels) return this.engine.history(this.org, knownAt);
    const key = `${principal.scope ?? ''}|${hideLevels}|${knownAt ?? ''}`;
    // The version first: the facts read after it are of that version or newer (a view kept under an
    // older number is only made again), and nothing is awaited between reading them and using them.
    const version = (await this.engine.store.findOrg(this.org))?.version ?? 0;
    const full = await this.engine.history(this.org, knownAt);
    const cached = this.views.get(key);
    if (cached && cached.version === version && knownAt === undefined) return cached.history;
    let history = principal.scope === null ? full : restrictToSubtree(full, principal.scope);
    if (hideLevels) history = withoutLevels(history);
    // Views of the present are reused until the organization changes; views of the past are not kept.
    if (knownAt === undefined) this.views.set(key, { version, history });
    return history;
  }

  requireRole(principal: Principal, needed: Role): void {
    if (!atLeast(principal.role, needed)) {
      throw new OrgshiftError('forbidden', `this needs the ${needed} role; you are a ${principal.role}`);
    }
  }

  /** Planning needs a grant on the whole organization: a plan can touch any unit. */
  requireUnscoped(principal: Principal): void {
    if (principal.scope !== null)
      throw new OrgshiftError('forbidden', 'planning needs a grant on the whole organization');
  }
}
