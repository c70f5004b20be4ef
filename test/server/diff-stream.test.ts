import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff } from '../../src/core/queries.ts';
import { type Fixture, fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => f.close());

describe('the diff over HTTP, sent in pieces', () => {
  it('is the text JSON.stringify gives of the diff, byte for byte, for any window and view', async () => {
    const windows: Array<[string, string]> = [
      ['2019-01-01', '2023-01-01'],
      ['2021-11-30', '2021-12-01'],
      ['2023-01-01', '2023-06-01'],
      ['2021-12-01', '2021-12-01'],
    ];
    let changes = 0;
    for (const [from, to] of windows) {
      for (const who of ['viewer', 'taobao']) {
        const res = await f.request(`/api/diff?from=${from}&to=${to}`, { as: who });
        expect(res.status).toBe(200);
        expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
        const history = await f.access.view({
          userId: 0,
          name: who,
          role: 'viewer',
          scope: who === 'taobao' ? 'big-taobao' : null,
          confidential: false,
          via: 'token',
        });
        const expected = diff(history, from, to);
        expect(await res.text(), `${who} ${from}..${to}`).toBe(JSON.stringify(expected));
        changes += expected.changes.length;
      }
    }
    expect(changes).toBeGreaterThan(50);
  });
});
