import type { AuditRow, DraftRow, ScenarioRow } from './schema.ts';
import type { OrgStore } from './store.ts';

export interface UserRow {
  id: number;
  name: string;
  password_hash: string | null;
}

export interface GrantRow {
  role: string;
  scope_unit: string | null;
  confidential: number;
}

/** Users, grants, sessions, tokens, the audit log and draft plans: the rows the server keeps. */
export class AccessStore {
  constructor(private readonly store: OrgStore) {}

  private get db() {
    return this.store.db;
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async findUser(name: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'name', 'password_hash'])
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async userById(id: number): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'name', 'password_hash'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async listUsers(
    orgId: number,
  ): Promise<
    Array<{ name: string; role: string | null; scope_unit: string | null; confidential: number | null }>
  > {
    return this.db
      .selectFrom('users')
      .leftJoin('grants', (join) =>
        join.onRef('grants.user_id', '=', 'users.id').on('grants.org_id', '=', orgId),
      )
      .select(['users.name', 'grants.role', 'grants.scope_unit', 'grants.confidential'])
      .orderBy('users.name')
      .execute();
  }

  async createUser(name: string, passwordHash: string | null, now: string): Promise<number> {
    return this.store.inWriteTransaction(async (trx) => {
      const max = await trx
        .selectFrom('users')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      const id = Number(max?.id ?? 0) + 1;
      await trx
        .insertInto('users')
        .values({ id, name, password_hash: passwordHash, created_at: now })
        .execute();
      return id;
    });
  }

  async setPassword(userId: number, passwordHash: string): Promise<void> {
    await this.store.inWriteTransaction(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    });
  }

  async grant(
    userId: number,
    orgId: number,
    role: string,
    scopeUnit: string | null,
    confidential: boolean,
  ): Promise<void> {
    await this.store.inWriteTransaction(async (trx) => {
      await trx.deleteFrom('grants').where('user_id', '=', userId).where('org_id', '=', orgId).execute();
      await trx
        .insertInto('grants')
        .values({
          user_id: userId,
          org_id: orgId,
          role,
          scope_unit: scopeUnit,
          confidential: confidential ? 1 : 0,
        })
        .execute();
    });
  }

  async grantOf(userId: number, orgId: number): Promise<GrantRow | undefined> {
    return this.db
      .selectFrom('grants')
      .select(['role', 'scope_unit', 'confidential'])
      .where('user_id', '=', userId)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
  }

  async createSession(idHash: string, userId: number, csrf: string, now: string): Promise<void> {
    await this.store.inWriteTransaction((trx) =>
      trx
        .insertInto('sessions')
        .values({ id_hash: idHash, user_id: userId, csrf, created_at: now, last_seen_at: now })
        .execute(),
    );
  }

  async findSession(idHash: string) {
    return this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  /**
   * Writes a session's last use, unless another process holds the store's write lock (an import into
   * an SQLite file): then false, nothing written and no wait, and a later request writes it.
   */
  async touchSession(idHash: string, now: string): Promise<boolean> {
    const writeIfFree = this.store.capabilities.writeIfFree;
    if (writeIfFree) {
      return writeIfFree('update sessions set last_seen_at = ? where id_hash = ?', [now, idHash]);
    }
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
    return true;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.store.inWriteTransaction((trx) =>
      trx.deleteFrom('sessions').where('id_hash', '=', idHash).execute(),
    );
  }

  async createToken(id: string, userId: number, secretHash: string, now: string): Promise<void> {
    await this.store.inWriteTransaction((trx) =>
      trx
        .insertInto('api_tokens')
        .values({ id, user_id: userId, secret_hash: secretHash, created_at: now })
        .execute(),
    );
  }

  async findToken(id: string) {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async recordLoginFailure(name: string, now: string): Promise<void> {
    await this.store.inWriteTransaction((trx) =>
      trx.insertInto('login_failures').values({ name, at: now }).execute(),
    );
  }

  async loginFailuresSince(name: string, since: string): Promise<number> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('name', '=', name)
      .where('at', '>=', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async clearLoginFailures(name: string): Promise<void> {
    await this.store.inWriteTransaction((trx) =>
      trx.deleteFrom('login_failures').where('name', '=', name).execute(),
    );
  }

  /** Appends one row, given the previous row's hash, inside a write transaction. */
  async appendAudit(make: (seq: number, prevHash: string) => AuditRow): Promise<AuditRow> {
    return this.store.inWriteTransaction(async (trx) => {
      const last = await trx
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const row = make((last?.seq ?? 0) + 1, last?.hash ?? '');
      await trx.insertInto('audit_log').values(row).execute();
      return row;
    });
  }

  async auditRows(): Promise<AuditRow[]> {
    return this.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  }

  async drafts(orgId: number): Promise<DraftRow[]> {
    return this.db
      .selectFrom('drafts')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute();
  }

  async draft(orgId: number, planId: string): Promise<DraftRow | undefined> {
    return this.db
      .selectFrom('drafts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('plan_id', '=', planId)
      .executeTakeFirst();
  }

  async insertDraft(row: DraftRow): Promise<void> {
    await this.store.inWriteTransaction((trx) => trx.insertInto('drafts').values(row).execute());
  }

  /** Updates a draft if it is still in `fromState`; returns whether it was. */
  async updateDraft(
    orgId: number,
    planId: string,
    fromState: string,
    patch: Partial<DraftRow>,
  ): Promise<boolean> {
    const result = await this.store.inWriteTransaction((trx) =>
      trx
        .updateTable('drafts')
        .set(patch)
        .where('org_id', '=', orgId)
        .where('plan_id', '=', planId)
        .where('state', '=', fromState)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async dueDrafts(today: string) {
    return this.db
      .selectFrom('drafts')
      .selectAll()
      .where('state', '=', 'scheduled')
      .where('effective', '<=', today)
      .execute();
  }

  async scenarios(orgId: number): Promise<ScenarioRow[]> {
    return this.db.selectFrom('scenarios').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
  }

  async scenario(orgId: number, name: string): Promise<ScenarioRow | undefined> {
    return this.db
      .selectFrom('scenarios')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async insertScenario(row: ScenarioRow): Promise<void> {
    await this.store.inWriteTransaction((trx) => trx.insertInto('scenarios').values(row).execute());
  }

  async updateScenario(
    orgId: number,
    name: string,
    fromUpdatedAt: string,
    patch: Partial<ScenarioRow>,
  ): Promise<boolean> {
    const result = await this.store.inWriteTransaction((trx) =>
      trx
        .updateTable('scenarios')
        .set(patch)
        .where('org_id', '=', orgId)
        .where('name', '=', name)
        .where('updated_at', '=', fromUpdatedAt)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }
}
