import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { receiveUploads, type UploadRules } from '../../src/server/uploads.ts';

// A folder of this file's own: other test files upload at the same time.
const under = mkdtempSync(join(tmpdir(), 'orgshift-uploads-test-'));
afterAll(() => rmSync(under, { recursive: true, force: true }));
const RULES: UploadRules = { files: ['units', 'people'], fields: ['root'], maxFileBytes: 1000, under };

function form(parts: Array<[string, string | File]>): Request {
  const data = new FormData();
  for (const [name, value] of parts) data.append(name, value);
  return new Request('http://x/upload', { method: 'POST', body: data });
}

const csv = (name: string, text: string) => new File([text], name, { type: 'text/csv' });

/** The upload folders left. */
const leftovers = () => readdirSync(under).length;

describe('uploads of an import', () => {
  it('writes each file to disk under its part name, keeps the name it was sent with, and removes them', async () => {
    const uploads = await receiveUploads(
      form([
        ['people', csv('P.csv', 'person_id\n1\n')],
        ['root', 'Co'],
        ['units', csv('../../U.csv', 'unit_id\nu\n')],
      ]),
      RULES,
    );
    const units = uploads.files.get('units')!;
    try {
      expect([...uploads.fields]).toEqual([['root', 'Co']]);
      // The name it was sent with, without the folders the sender put in front of it.
      expect(units.name).toBe('U.csv');
      expect(readFileSync(units.path, 'utf8')).toBe('unit_id\nu\n');
      expect(readFileSync(uploads.files.get('people')!.path, 'utf8')).toBe('person_id\n1\n');
      // Inside a folder of its own, whatever name the sender gave.
      expect(dirname(units.path)).toBe(dirname(uploads.files.get('people')!.path));
      expect(dirname(dirname(units.path))).toBe(under);
    } finally {
      await uploads.remove();
    }
    expect(existsSync(dirname(units.path))).toBe(false);
  });

  it('writes a file to disk as its bytes arrive, before the upload has ended', async () => {
    const boundary = 'XyZ';
    const enc = new TextEncoder();
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="units"; filename="u.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const firstHalf = `unit_id\n${'u,'.repeat(200)}\n`;
    const pieces = [head, firstHalf, `last\n\r\n--${boundary}--\r\n`];
    let seenOnDisk = -1;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === pieces.length - 1) {
          // Before the last bytes are given, what came so far reaches the disk (a receiver that held
          // the upload until its end would never write it, and this waits five seconds in vain).
          const onDisk = () =>
            Math.max(
              0,
              ...readdirSync(under)
                .map((d) => join(under, d, 'units.csv'))
                .map((path) => (existsSync(path) ? statSync(path).size : 0)),
            );
          for (let waited = 0; waited < 5000 && onDisk() < firstHalf.length; waited += 20)
            await new Promise((resolve) => setTimeout(resolve, 20));
          seenOnDisk = onDisk();
        }
        if (sent === pieces.length) controller.close();
        else controller.enqueue(enc.encode(pieces[sent++]!));
      },
    });
    const request = new Request('http://x/upload', {
      method: 'POST',
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    const uploads = await receiveUploads(request, { ...RULES, maxFileBytes: 10_000 });
    try {
      expect(seenOnDisk).toBe(firstHalf.length);
      expect(readFileSync(uploads.files.get('units')!.path, 'utf8')).toBe(`${firstHalf}last\n`);
    } finally {
      await uploads.remove();
    }
  });

  it('refuses what it was not asked for, keeping nothing', async () => {
    const before = leftovers();
    const refused = async (request: Request) => {
      const error = await receiveUploads(request, RULES).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ id: 'invalid_input' });
      expect(leftovers()).toBe(before);
      return (error as Error).message;
    };
    expect(await refused(form([['posts', csv('S.csv', 'x\n')]]))).toBe(
      'unknown part "posts"; expected units, people, root',
    );
    expect(
      await refused(
        form([
          ['units', csv('a.csv', 'a\n')],
          ['units', csv('b.csv', 'b\n')],
        ]),
      ),
    ).toBe('the file "units" was sent twice');
    expect(
      await refused(
        form([
          ['root', 'A'],
          ['root', 'B'],
        ]),
      ),
    ).toBe('the field "root" was sent twice');
    expect(await refused(form([['units', 'unit_id\nu\n']]))).toBe(
      '"units" was sent as text; expected a file',
    );
    expect(await refused(form([['units', csv('big.csv', 'x'.repeat(1001))]]))).toBe(
      'units: a file of at most 1000 bytes',
    );
    expect(
      await refused(
        new Request('http://x/upload', {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        }),
      ),
    ).toBe('expected the files as multipart/form-data');
    expect(
      await refused(
        new Request('http://x/upload', {
          method: 'POST',
          body: '--b\r\nContent-Disposition: form-data; name="units"; filename="u.csv"\r\n\r\nunit_id\n',
          headers: { 'content-type': 'multipart/form-data; boundary=b' },
        }),
      ),
    ).toMatch(/^the upload is not valid multipart\/form-data: /);
  });

  it('takes a file of exactly the largest size', async () => {
    const uploads = await receiveUploads(form([['units', csv('u.csv', 'x'.repeat(1000))]]), RULES);
    expect(statSync(uploads.files.get('units')!.path).size).toBe(1000);
    await uploads.remove();
  });
});
