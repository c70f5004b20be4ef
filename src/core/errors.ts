/** Where in a source file something was written. Lines and columns count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One reason a plan, a query or an input was refused. */
export interface Problem {
  message: string;
  location?: SourceLocation;
  /** The operation at fault, e.g. `merge` (changes[0]). */
  operation?: string;
  plan?: string;
}

/**
 * Stable error ids. Adapters map them to exit codes and HTTP statuses in one place
 * (`src/cli/output.ts`, later the server's error handler).
 */
export type ErrorId =
  | 'invalid_input'
  | 'plan_invalid'
  | 'plan_refused'
  | 'not_found'
  | 'conflict'
  | 'usage'
  | 'unauthenticated'
  | 'forbidden'
  | 'throttled';

export class OrgshiftError extends Error {
  readonly id: ErrorId;
  readonly problems: Problem[];

  constructor(id: ErrorId, message: string, problems: Problem[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrgshiftError';
    this.id = id;
    this.problems = problems;
  }
}

export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}:${location.col}` : '';
}

/** `FILE:LINE:COL: message` — the shape editors and CI logs understand. */
export function formatProblem(problem: Problem): string {
  const where = formatLocation(problem.location);
  const what = problem.operation ? `${problem.operation}: ` : '';
  return `${where ? `${where}: ` : ''}${what}${problem.message}`;
}
