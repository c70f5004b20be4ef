// An import as the CLI and the server run it: files (on disk or as text) read, checked and applied to
// one organization, here or on a thread of its own (`importOnThread`): there reading and checking a
// million rows does not stop a server answering everyone else for half a minute, and the heap may grow
// past the process's default.
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { OrgshiftError, type Problem } from '../core/errors.ts';
import type { Progress } from '../core/model.ts';
import { OpenedFiles } from '../formats/csv-files.ts';
import { readDirect } from '../formats/hris-direct.ts';
import { type CsvInput, type ImportInput, type ImportProgress, readImport } from '../formats/hris-import.ts';
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
  /** Nothing else in this process reads the store meanwhile (the CLI): see `FirstCommit.alone`. */
  alone?: boolean;
  /** Rows rejected are refused in the CLI's words (its flags) or the API's (its fields). */
  wording?: 'cli' | 'api';
}

/** How far an import has got: reading its files, then checking and writing (the engine's stages). */
export interface ImportJobProgress {
  reading?: (progress: ImportProgress) => void;
  applying?: Progress;
}

export interface ImportJobOutcome extends ImportOutcome {
  read: number;
  accepted: number;
  rejected: Problem[];
}

/** Reads the job's files, refuses them if a row is (unless `allowPartial`), and imports them. */
export async function runImportJob(
  engine: OrgEngine,
  job: ImportJob,
  progress: ImportJobProgress = {},
): Promise<ImportJobOutcome> {
  const { files } = job;
  if (!files.units && !files.people && !files.posts) {
    throw new OrgshiftError('invalid_input', 'give at least one of units, people, posts (nothing imported)');
  }
  /** The job's files, each opened anew in `opened`. */
  const inputIn = (opened: OpenedFiles): ImportInput => {
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
    return input;
  };
  /** Reads the job's files with `read`, each file opened anew. */
  const reading = <T>(read: (input: ImportInput) => T): T => {
    const opened = new OpenedFiles();
    try {
      return read(inputIn(opened));
    } finally {
      opened.close();
    }
  };
  // Into a new organization, files of the usual shape are imported straight from their columns; when
  // that is not sure, they are read again the usual way, which decides (and locates what it refuses).
  if (!job.replace && !job.dryRun) {
    // Open until the import is stored: the lean way reads the people file again as its rows are stored.
    const opened = new OpenedFiles();
    try {
      const direct = await engine.importDirect(
        job.org,
        (options) => readDirect(inputIn(opened), progress.reading, options),
        {
          ...(job.alone ? { alone: true } : {}),
          ...(progress.applying ? { progress: progress.applying } : {}),
        },
      );
      if (direct) return { ...direct, accepted: direct.read, rejected: [] };
    } finally {
      opened.close();
    }
  }
  const result = reading((input) => readImport(input, progress.reading));
  const { read, accepted, rejected } = result;
  if (rejected.length > 0 && job.wording === 'cli' && (!job.allowPartial || job.replace)) {
    const summary = `read ${read} rows: ${accepted} accepted, ${rejected.length} rejected`;
    throw new OrgshiftError(
      'invalid_input',
      job.replace
        ? `${summary}; nothing imported (with --replace the rows rejected would be taken out of the organization: fix them)`
        : `${summary}; nothing imported (--allow-partial imports the rest)`,
      rejected,
    );
  }
  if (rejected.length > 0 && !job.allowPartial) {
    throw new OrgshiftError(
      'plan_invalid',
      `${rejected.length} of ${read} rows rejected; nothing imported`,
      rejected,
    );
  }
  const outcome = await engine.importDays(job.org, result, {
    replace: job.replace,
    dryRun: job.dryRun,
    ...(job.alone ? { alone: true } : {}),
    ...(progress.applying ? { progress: progress.applying } : {}),
  });
  return { ...outcome, read, accepted, rejected };
}

/** What the import's thread is given. */
export interface ImportThreadData {
  /** The store: an SQLite file or a postgres:// URL (not an in-memory database: the thread has its own connection). */
  target: string;
  /** The moment the import is recorded at (the engine's clock where the job was asked for). */
  now: string;
  job: ImportJob;
  /** Whether to post the import's progress (`ImportThreadReply` of type progress). */
  progress: boolean;
}

/** The import thread's one answer. */
export type ImportThreadAnswer =
  | { ok: true; outcome: ImportJobOutcome }
  | { ok: false; refusal: { id: OrgshiftError['id']; message: string; problems: Problem[] } }
  | { ok: false; failure: string };

/** What the import's thread posts: its progress, then its answer. */
export type ImportThreadReply =
  | { progress: 'reading' | 'applying'; stage: string; done: number; total: number }
  | ImportThreadAnswer;

/**
 * Files at least this large in all are imported by the server on a thread of its own (about 15k rows,
 * read and checked in a few hundred milliseconds, about as long as the server may stop answering).
 */
export const IMPORT_THREAD_MIN_BYTES = 1 << 20;

/**
 * Files at least this large in all are imported by the CLI on a thread of its own. The CLI's own thread
 * has nothing else to do meanwhile; a thread of the import's own costs about a second to start (it
 * loads the TypeScript again), which it gains back, by committing on the file's only connection, only
 * from about 250k rows (15 MB): a 20k-row import took 1.6–1.9 s on the CLI's thread, 2.9–3.1 s on its
 * own (2026-12-07). Below this size the usual way needs well under 1 GB, far from the CLI's heap limit.
 */
export const CLI_IMPORT_THREAD_MIN_BYTES = 8 << 20;

/** The bytes of an import's files (characters of those given as text). */
export function importBytes(files: ImportJob['files']): number {
  let bytes = 0;
  for (const given of Object.values(files)) {
    if (!given) continue;
    if ('text' in given) bytes += given.text.length;
    else {
      try {
        bytes += statSync(given.path).size;
      } catch {
        // Unreadable: the import says so, wherever it runs.
      }
    }
  }
  return bytes;
}

/**
 * The heap an import's thread may grow to: three quarters of the machine's memory, or the default
 * limit if that is more. The default (about 4 GB) holds a 2M-row import; 3M rows ran out of it (after
 * 140 s, a fatal error of the whole process).
 */
export function importHeapMb(): number {
  const machine = Math.floor((totalmem() * 0.75) / 2 ** 20);
  return Math.max(machine, Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20));
}

/**
 * Runs `runImportJob` on a thread of its own, with its own connection to the store at `target` (migrated
 * first, as `OrgEngine.open` does) and a heap of `heapMb` (default `importHeapMb()`), recorded at `now`.
 * `around`: what the caller holds meanwhile — a server its store's write queue
 * (`OrgStore.whileAnotherWrites`), so that its other writes wait for the import rather than for SQLite's
 * lock. A refusal comes back as the same `OrgshiftError`; a thread that runs out of memory is an import
 * refused as too large for the memory it may use (nothing is stored).
 */
export async function importOnThread(
  target: string,
  job: ImportJob,
  options: {
    now: string;
    around?: <T>(work: () => Promise<T>) => Promise<T>;
    progress?: ImportJobProgress;
    heapMb?: number;
  },
): Promise<ImportJobOutcome> {
  const { progress = {}, around = (work) => work() } = options;
  const heapMb = options.heapMb ?? importHeapMb();
  const data: ImportThreadData = {
    target,
    now: options.now,
    job,
    progress: progress.reading !== undefined || progress.applying !== undefined,
  };
  const reply = await around(
    () =>
      new Promise<ImportThreadAnswer>((resolve, reject) => {
        const worker = new Worker(new URL('./import-thread-entry.mjs', import.meta.url), {
          workerData: data,
          resourceLimits: { maxOldGenerationSizeMb: heapMb },
        });
        let answered: ImportThreadAnswer | undefined;
        let failed: Error | undefined;
        worker.on('message', (message: ImportThreadReply) => {
          if ('progress' in message) {
            if (message.progress === 'reading') progress.reading?.(message);
            else progress.applying?.(message.stage, message.done, message.total);
          } else answered = message;
        });
        worker.once('error', (error: Error & { code?: string }) => {
          failed =
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new OrgshiftError(
                  'invalid_input',
                  `the import needs more memory than it may use here (${heapMb} MB of heap); nothing imported: import the files on a machine with more memory`,
                  [],
                  { cause: error },
                )
              : error;
        });
        worker.once('exit', (code) => {
          if (answered) resolve(answered);
          else reject(failed ?? new Error(`the import's thread ended (exit code ${code}) without an answer`));
        });
      }),
  );
  if (reply.ok) return reply.outcome;
  if ('refusal' in reply)
    throw new OrgshiftError(reply.refusal.id, reply.refusal.message, reply.refusal.problems);
  throw new Error(reply.failure);
}
