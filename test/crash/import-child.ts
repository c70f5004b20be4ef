// Imports HRIS files into a store, saying on stdout when it starts and when the import was
// acknowledged. The crash test kills this process at random moments (large imports are written by a
// second thread: see store/sqlite-writer.ts). `alone` as the last argument: as `bin/orgshift import`
// writes it, through a rollback journal (see store/sqlite.ts).
import { readFileSync } from 'node:fs';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { readImport } from '../../src/formats/hris-import.ts';

const [target, units, people, posts, how] = process.argv.slice(2);
if (!target || !units || !people || !posts) throw new Error('usage: import-child TARGET UNITS PEOPLE POSTS');
const file = (path: string) => ({ file: path, text: readFileSync(path, 'utf8') });
const imported = readImport({ units: file(units), people: file(people), posts: file(posts) });
const engine = await OrgEngine.open(target);
process.stdout.write('start\n');
await engine.applyFirst('default', imported, undefined, how === 'alone');
process.stdout.write('acknowledged\n');
await engine.close();
