import type { z } from 'zod';
import type * as S from '../../src/server/schemas.ts';

export type Me = z.infer<typeof S.MeSchema>;
export type Tree = z.infer<typeof S.TreeSchema>;
export type TreeNode = S.TreeNodeShape;
export type Person = z.infer<typeof S.PersonSchema>;
export type Lineage = z.infer<typeof S.LineageSchema>;
export type Diff = z.infer<typeof S.DiffSchema>;
export type SearchResults = z.infer<typeof S.SearchSchema>;
export type AppliedPlans = z.infer<typeof S.AppliedPlansSchema>;
export type Draft = z.infer<typeof S.DraftSchema>;
export type Check = z.infer<typeof S.CheckSchema>;
export type Impact = z.infer<typeof S.ImpactSchema>;
export type Preview = z.infer<typeof S.PreviewSchema>;
export type Stats = z.infer<typeof S.StatsSchema>;
export type Problem = Check['problems'][number];

/** An answer other than 2xx, with the server's error id and located problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

let csrfToken = '';

export function setCsrf(token: string | undefined): void {
  csrfToken = token ?? '';
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const data = text === '' ? null : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = (data as { error?: { id?: string; message?: string; details?: { problems?: Problem[] } } })
      ?.error;
    throw new ApiError(
      response.status,
      error?.id ?? 'internal',
      error?.message ?? `HTTP ${response.status}`,
      error?.details?.problems ?? [],
    );
  }
  return data as T;
}

export const q = (params: Record<string, string | undefined>): string => {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
};
