// An import as the server runs it: files (on disk or as text) read, checked and applied to one
// organization, here or on a thread of its own (`importOnThread`), so that reading and checking a
// million rows does not stop the server answering everyone else for half a minute.
import { Worker } from 'node:worker_threads';
import { OrgshiftError, type Problem } from '../core/errors.ts';
import { OpenedFiles } from '../formats/csv-files.ts';
import { type CsvInput, type ImportInput, readImport } from '../formats/hris-import.ts';
import type { ImportOutcome, OrgEngine } from './org-engine.ts';

/** The files an import takes, in the order they are read. */
export const IMPORT_FILES = ['units', 'people', 'posts', 'lineage'] as const;
export type ImportFileName = (typeof IMPORT_FILES)[number];

/** One file of an import: its text, or where it is on disk; `file` names it in what is refused. */
export type ImportFile = { file: string; text: string } | { file: string; path: string };

export interface ImportJob {
  org: string;
  files: Partial<Record<ImportFileName, ImportFile>>;
  root?: string;
  inclusiveEnd?: boolean;
  allowPartial: boolean;
  replace: boolean;
  dryRun: boolean;
}

export interface ImportJobOutcome extends ImportOutcome {
  read: number;
  accepted: number;
  rejected: Problem[];
}

/** Reads the job's files, refuses them if a row is (unless `allowPartial`), and imports them. */
export async function runImportJob(engine: OrgEngine, job: ImportJob): Promise<ImportJobOutcome> {
  const { files } = job;
  if (!files.units && !files.people && !files.posts) {
    throw new OrgshiftError('invalid_input', 'give at least one of units, people, posts (nothing imported)');
  }
  const opened = new OpenedFiles();
  let result: ReturnType<typeof readImport>;
  try {
    const input: ImportInput = {
      ...(job.root ? { root: job.root } : {}),
      ...(job.inclusiveEnd ? { inclusiveEnd: true } : {}),
    };
    for (const name of IMPORT_FILES) {
      const given = files[name];
      if (!given) continue;
      const csv: CsvInput = 'text' in given ? given : opened.open(given.path, given.file);
      input[name] = csv;
    }
    result = readImport(input);
  } finally {
    opened.close();
  }
  if (result.rejected.length > 0 && !job.allowPartial) {
    throw new OrgshiftError(
      'plan_invalid',
      `${result.rejected.length} of ${result.read} rows rejected; nothing imported`,
      result.rejected,
    );
  }
  const outcome = await engine.importDays(job.org, result, { replace: job.replace, dryRun: job.dryRun });
  return { ...outcome, read: result.read, accepted: result.accepted, rejected: result.rejected };
}

/** What the import's thread is given. */
export interface ImportThreadData {
  /** The store: an SQLite file or a postgres:// URL (not an in-memory database: the thread has its own connection). */
  target: string;
  /** The moment the import is recorded at (the engine's clock where the job was asked for). */
  now: string;
  job: ImportJob;
}

/** What the import's thread answers, once. */
export type ImportThreadReply =
  | { ok: true; outcome: ImportJobOutcome }
  | { ok: false; refusal: { id: OrgshiftError['id']; message: string; problems: Problem[] } }
  | { ok: false; failure: string };

/**
 * Runs `runImportJob` on a thread of its own, with its own connection to the store at `target`. The
 * caller holds its store's write queue meanwhile (`OrgStore.whileAnotherWrites`), so that this process's
 * other writes wait for the import rather than for SQLite's lock. A refusal comes back as the same
 * `OrgshiftError`.
 */
export async function importOnThread(
  engine: OrgEngine,
  target: string,
  job: ImportJob,
): Promise<ImportJobOutcome> {
  const data: ImportThreadData = { target, now: engine.now(), job };
  const reply = await engine.store.whileAnotherWrites(
    () =>
      new Promise<ImportThreadReply>((resolve, reject) => {
        const worker = new Worker(new URL('./import-thread-entry.mjs', import.meta.url), {
          workerData: data,
        });
        let answered: ImportThreadReply | undefined;
        worker.once('message', (message: ImportThreadReply) => {
          answered = message;
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (answered) resolve(answered);
          else reject(new Error(`the import's thread ended (exit code ${code}) without an answer`));
        });
      }),
  );
  if (reply.ok) return reply.outcome;
  if ('refusal' in reply)
    throw new OrgshiftError(reply.refusal.id, reply.refusal.message, reply.refusal.problems);
  throw new Error(reply.failure);
}
