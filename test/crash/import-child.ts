// Imports HRIS files into a store, saying on stdout when it starts and when the import was
// acknowledged. The crash test kills this process at random moments (large imports are written by a
// second thread: see store/sqlite-writer.ts). `alone`: as `bin/orgshift import` writes it, through a
// rollback journal (see store/sqlite.ts); `direct`: as an import job runs it, straight from the files
// (formats/hris-direct.ts), where `usual` reads them into plans first (formats/hris-import.ts).
import { readFileSync } from 'node:fs';
import { runImportJob } from '../../src/engine/import-job.ts';
import { OrgEngine } from '../../src/engine/org-engine.ts';
import { readImport } from '../../src/formats/hris-import.ts';

const [target, units, people, posts, how, way = 'usual'] = process.argv.slice(2);
if (!target || !units || !people || !posts) throw new Error('usage: import-child TARGET UNITS PEOPLE POSTS');
const alone = how === 'alone';
const engine = await OrgEngine.open(target);
if (way === 'direct') {
  const files = {
    units: { file: units, path: units },
    people: { file: people, path: people },
    posts: { file: posts, path: posts },
  };
  process.stdout.write('start\n');
  const done = await runImportJob(engine, {
    org: 'default',
    files,
    allowPartial: false,
    replace: false,
    dryRun: false,
    alone,
  });
  if (done.applied.length === 0) throw new Error('nothing imported');
} else {
  const file = (path: string) => ({ file: path, text: readFileSync(path, 'utf8') });
  const imported = readImport({ units: file(units), people: file(people), posts: file(posts) });
  process.stdout.write('start\n');
  await engine.applyFirst('default', imported, undefined, alone);
}
process.stdout.write('acknowledged\n');
await engine.close();
