import type { AuditRow } from '../engine/org-engine.ts';
import { sha256 } from './auth.ts';

/** The hash of a row covers every column but the hash itself, and the previous row's hash. */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  return sha256(
    JSON.stringify([
      row.seq,
      row.at,
      row.actor,
      row.request_id,
      row.action,
      row.outcome,
      row.org_id,
      row.target,
      row.before_state,
      row.after_state,
      row.prev_hash,
    ]),
  );
}

/** Problems with the chain: a row edited, removed or reordered. Empty when it is intact. */
export function verifyAuditChain(rows: AuditRow[]): string[] {
  const problems: string[] = [];
  let prev = '';
  rows.forEach((row, i) => {
    if (row.seq !== i + 1)
      problems.push(`row ${i + 1}: sequence number is ${row.seq} (a row was removed or reordered)`);
    if (row.prev_hash !== prev) problems.push(`row ${row.seq}: does not follow the row before it`);
    if (auditHash(row) !== row.hash)
      problems.push(`row ${row.seq}: content does not match its hash (edited)`);
    prev = row.hash;
  });
  return problems;
}
