import type { Diff } from './api.ts';

type Change = Diff['changes'][number];

const text = (v: unknown): string =>
  v === null || v === undefined ? '—' : Array.isArray(v) ? v.map(text).join(', ') : String(v);

/** One change from the diff as a sentence a reader of an announcement would write. */
export function describeChange(c: Change): string {
  const was = (v: unknown) => (v === null || v === undefined ? '' : ` (was ${text(v)})`);
  switch (c.kind) {
    case 'unit-created':
      return `${text(c.unit)} created${c.parent ? ` under ${text(c.parent)}` : ''}`;
    case 'unit-renamed':
      return `${text(c.from)} renamed ${text(c.to)}`;
    case 'unit-moved':
      return `${text(c.unit)} moved from ${text(c.from)} to ${text(c.to)}`;
    case 'unit-merged':
      return `${text(c.units)} merged into ${text(c.into)}`;
    case 'unit-split':
      return `${text(c.unit)} split into ${text(c.into)}`;
    case 'unit-dissolved':
      return `${text(c.unit)} dissolved${c.rest ? `; the rest goes to ${text(c.rest)}` : ''}`;
    case 'head-changed':
      return c.to === null
        ? `Head of ${text(c.unit)} vacated${was(c.from)}`
        : `${text(c.to)} heads ${text(c.unit)}${c.concurrent ? ' (concurrently)' : ''}${was(c.from)}`;
    case 'post-changed':
      return c.to === null
        ? `${text(c.post)} of ${text(c.unit)} vacated${was(c.from)}`
        : `${text(c.to)} becomes ${text(c.post)} of ${text(c.unit)}${c.concurrent ? ' (concurrently)' : ''}${was(c.from)}`;
    case 'person-joined':
      return `${text(c.person)} joins ${text(c.unit)}`;
    case 'person-left':
      return `${text(c.person)} leaves ${text(c.unit)}`;
    case 'person-moved':
      return `${text(c.person)} moves from ${text(c.from)} to ${text(c.to)}`;
    case 'person-renamed':
      return `${text(c.from)} is now called ${text(c.to)}`;
    case 'manager-changed':
      return `${text(c.person)} now reports to ${text(c.to)}${was(c.from)}`;
    case 'level-changed':
      return `${text(c.person)}'s level: ${text(c.from)} → ${text(c.to)}`;
    case 'title-changed':
      return `${text(c.person)}'s title: ${text(c.from)} → ${text(c.to)}`;
    case 'business-launched':
      return `${text(c.business)} launched in ${text(c.unit)}`;
    case 'business-retired':
      return `${text(c.business)} retired from ${text(c.unit)}`;
    case 'business-transferred':
      return `${text(c.business)} moves from ${text(c.from)} to ${text(c.to)}`;
    case 'line-added':
      return `${text(c.person)} reports to ${text(c.to)} (${text(c.lineKind)} line)`;
    case 'line-ended':
      return `${text(c.person)} no longer reports to ${text(c.to)} (${text(c.lineKind)} line)`;
    default: {
      const rest = Object.entries(c)
        .filter(([k]) => !['kind', 'date', 'plan'].includes(k))
        .map(([k, v]) => `${k}: ${text(v)}`)
        .join('; ');
      return `${c.kind.replace(/-/g, ' ')}: ${rest}`;
    }
  }
}
