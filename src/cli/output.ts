import { formatProblem, OrgshiftError } from '../core/errors.ts';
import { busyRefusal } from '../engine/org-engine.ts';
import { chunked } from '../formats/pieces.ts';

/** The one place that turns errors into exit codes: 1 refused or failed, 2 usage. */
export function exitCodeFor(error: unknown): number {
  return error instanceof OrgshiftError && error.id === 'usage' ? 2 : 1;
}

export class UsageError extends OrgshiftError {
  constructor(message: string) {
    super('usage', message);
  }
}

export interface Io {
  out(text: string): void;
  /** Text in pieces (an export may be gigabytes), written as they come, waiting while the reader lags. */
  write(pieces: Iterable<string>): Promise<void>;
  err(text: string): void;
  /** Everything on standard input (passwords are read from it, never from arguments). */
  stdin?(): Promise<string>;
  /**
   * A transient status line for long work (present only when stderr is a terminal): each call
   * replaces the last; `null` clears it.
   */
  progress?(line: string | null): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  write: async (pieces) => {
    // A reader that stopped reading (`| head`) ends the output, as it ends other tools', without an error.
    const out = process.stdout;
    let failed: NodeJS.ErrnoException | null = null;
    const onError = (error: NodeJS.ErrnoException) => {
      failed = error;
    };
    const writable = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
    out.on('error', onError);
    try {
      for (const chunk of chunked(pieces)) {
        if (failed !== null || out.destroyed) break;
        if (!out.write(chunk)) await writable();
      }
    } finally {
      out.off('error', onError);
    }
    const error = failed as NodeJS.ErrnoException | null;
    if (error !== null && error.code !== 'EPIPE') throw error;
  },
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  ...(process.stderr.isTTY
    ? {
        progress: (line: string | null) => {
          const width = Math.max(20, (process.stderr.columns || 80) - 1);
          process.stderr.write(`\r\x1b[K${line === null ? '' : line.slice(0, width)}`);
        },
      }
    : {}),
};

/** A text bar for a share done: `[#####.....]  50%`. */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

export function errorJson(error: unknown): { error: { id: string; message: string; details?: unknown } } {
  if (error instanceof OrgshiftError) {
    return {
      error: {
        id: error.id,
        message: error.message,
        ...(error.problems.length > 0 ? { details: { problems: error.problems } } : {}),
      },
    };
  }
  return { error: { id: 'internal', message: error instanceof Error ? error.message : String(error) } };
}

/** Prints an error for people on stderr (and as JSON on stdout with --json); never a stack trace. */
export function reportError(io: Io, thrown: unknown, json: boolean): number {
  const error = busyRefusal(thrown) ?? thrown;
  if (error instanceof OrgshiftError) {
    for (const problem of error.problems) io.err(formatProblem(problem));
    io.err(`orgshift: ${error.message}`);
  } else {
    io.err(`orgshift: internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json) io.out(JSON.stringify(errorJson(error), null, 2));
  return exitCodeFor(error);
}
