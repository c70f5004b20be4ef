import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'orgshift-access-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (stdin: string, ...args: string[]) => runCli(args, stdin);

describe('users, tokens and the audit log from the CLI', () => {
  const db = join(dir, 'org.db');

  it('adds users with the password from standard input, refusing weak ones', async () => {
    expect((await cli('', '--db', db, 'seed-examples')).code).toBe(0);
    expect(
      (await cli('a long enough passphrase\n', '--db', db, 'user', 'add', 'ana', '--role', 'approver')).code,
    ).toBe(0);
    const weak = await cli('123456789\n', '--db', db, 'user', 'add', 'bo', '--role', 'viewer');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/most common/);
    expect((await cli('', '--db', db, 'user', 'add', 'cy', '--role', 'viewer')).code).toBe(2);
    expect(
      (await cli('another long passphrase', '--db', db, 'user', 'add', 'di', '--role', 'emperor')).code,
    ).toBe(2);
    const scoped = await cli(
      'scoped reader passphrase',
      '--db',
      db,
      'user',
      'add',
      'ed',
      '--role',
      'viewer',
      '--scope',
      'Big Taobo',
    );
    expect(scoped.code).toBe(1);
    expect(scoped.stderr).toMatch(/Did you mean "Big Taobao"/);
    expect(
      (
        await cli(
          'scoped reader passphrase',
          '--db',
          db,
          'user',
          'add',
          'ed',
          '--role',
          'viewer',
          '--scope',
          'Big Taobao',
        )
      ).code,
    ).toBe(0);
    const list = await cli('', '--db', db, 'user', 'list', '--json');
    expect(
      JSON.parse(list.stdout).users.map((u: { name: string; role: string }) => [u.name, u.role]),
    ).toEqual([
      ['ana', 'approver'],
      ['ed', 'viewer'],
    ]);
  });

  it('changes a password from standard input, with the same policy', async () => {
    expect((await cli('a brand new passphrase\n', '--db', db, 'user', 'password', 'ana')).code).toBe(0);
    expect((await cli('qwerty123\n', '--db', db, 'user', 'password', 'ana')).code).toBe(1);
    expect((await cli('a brand new passphrase\n', '--db', db, 'user', 'password', 'nobody')).code).toBe(1);
  });

  it('prints a new token once', async () => {
    const token = await cli('', '--db', db, 'token', 'create', 'ana');
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^osk_[0-9a-f]{16}_[A-Za-z0-9_-]{40,}$/);
    expect((await cli('', '--db', db, 'token', 'create', 'nobody')).code).toBe(1);
  });

  it('verifies the audit log, and exits 1 when a row was edited or removed', async () => {
    const ok = await cli('', '--db', db, 'audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: \d+ rows/);
    const raw = new BetterSqlite3(db);
    raw.prepare("update audit_log set actor = 'mallory' where seq = 2").run();
    raw.close();
    const edited = await cli('', '--db', db, 'audit', 'verify');
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('row 2: content does not match its hash (edited)');
  });
});
