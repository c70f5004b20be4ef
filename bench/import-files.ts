// HRIS files for the import benchmark: a units file (a tree of about ten levels), a people file of
// `rows` rows (most people one period, some two: a transfer and a promotion), and a posts file with
// one head per unit. Every person's manager_id is the head of their unit (for a head, the head above),
// as an HR system exports it — or, with `managers: 'skip-level'`, the head of the unit above theirs
// (a manager the organization would not give them: a reporting line of its own each). Deterministic.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { random } from './generate.ts';

export interface ImportFiles {
  units: string;
  people: string;
  posts: string;
  peopleRows: number;
  persons: number;
  unitCount: number;
}

async function write(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of lines) {
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
}

export async function writeImportFiles(
  dir: string,
  rows: number,
  managers: 'heads' | 'skip-level' = 'heads',
  /** How many units (and heads); by default one for every 11 rows. */
  unitsGiven?: number,
): Promise<ImportFiles> {
  const rand = random(7);
  // One person in ten has a second period, so `rows` rows hold about rows / 1.1 people.
  const unitCount = unitsGiven ?? Math.max(10, Math.round(rows / 11));
  const fanout = Math.max(2, Math.round(unitCount ** (1 / 9)));
  const parentOf = (u: number) => (u === 0 ? -1 : Math.floor((u - 1) / fanout));
  // Person u heads unit u.
  const headOf = (u: number) => `p${u}`;
  // A member's manager: their unit's head, or (skip-level) the head of the unit above, where there is one.
  const managerOf = (u: number) => headOf(managers === 'skip-level' && u !== 0 ? parentOf(u) : u);
  const units = join(dir, 'units.csv');
  const people = join(dir, 'people.csv');
  const posts = join(dir, 'posts.csv');
  await write(
    units,
    (function* () {
      yield 'unit_id,name,type,parent_id,valid_from,valid_to';
      for (let u = 0; u < unitCount; u++)
        yield `u${u},Unit ${u},${u === 0 ? 'company' : 'unit'},${u === 0 ? '' : `u${parentOf(u)}`},2020-01-01,`;
    })(),
  );
  await write(
    posts,
    (function* () {
      yield 'person_id,unit_id,post,valid_from,valid_to';
      for (let u = 0; u < unitCount; u++) yield `${headOf(u)},u${u},head,2020-01-01,`;
    })(),
  );
  let written = 0;
  let persons = 0;
  await write(
    people,
    (function* () {
      yield 'person_id,name,unit_id,manager_id,title,level,valid_from,valid_to';
      for (let p = 0; written < rows; p++) {
        persons = p + 1;
        const head = p < unitCount;
        const unit = head ? p : Math.floor(rand() * unitCount);
        const manager = head ? (p === 0 ? '' : headOf(parentOf(p))) : managerOf(unit);
        const level = head ? 'M5' : 'P5';
        if (!head && rand() < 0.1 && written + 2 <= rows) {
          // A transfer and a promotion on 2022-03-01.
          const to = Math.floor(rand() * unitCount);
          yield `p${p},Person ${p},u${unit},${manager},Engineer,${level},2020-01-01,2022-03-01`;
          yield `p${p},Person ${p},u${to},${managerOf(to)},Senior Engineer,P6,2022-03-01,`;
          written += 2;
        } else {
          yield `p${p},Person ${p},u${unit},${manager},${head ? 'Head' : 'Engineer'},${level},2020-01-01,`;
          written += 1;
        }
      }
    })(),
  );
  return { units, people, posts, peopleRows: written, persons, unitCount };
}
