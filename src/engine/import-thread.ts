// The thread an import runs on (`importOnThread`): its own engine on the store, one job, one answer,
// then the thread ends.
import { parentPort, workerData } from 'node:worker_threads';
import { OrgshiftError } from '../core/errors.ts';
import { openStore } from '../store/open.ts';
import { busyRefusal } from '../store/store.ts';
import {
  type ImportJobProgress,
  type ImportThreadData,
  type ImportThreadReply,
  runImportJob,
} from './import-job.ts';
import { OrgEngine } from './org-engine.ts';

const port = parentPort;
if (port) {
  const { target, now, job, progress } = workerData as ImportThreadData;
  const answer = (reply: ImportThreadReply) => port.postMessage(reply);
  const told: ImportJobProgress = progress
    ? {
        reading: (p) => answer({ progress: 'reading', ...p }),
        applying: (stage, done, total) => answer({ progress: 'applying', stage, done, total }),
      }
    : {};
  const store = openStore(target);
  const engine = new OrgEngine(store, () => new Date(now));
  try {
    await store.migrate();
    answer({ ok: true, outcome: await runImportJob(engine, job, told) });
  } catch (thrown) {
    const error = busyRefusal(thrown) ?? thrown;
    if (error instanceof OrgshiftError) {
      answer({ ok: false, refusal: { id: error.id, message: error.message, problems: error.problems } });
    } else {
      answer({ ok: false, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  } finally {
    await engine.close();
  }
}
