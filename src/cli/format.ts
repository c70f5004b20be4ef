import type { Stats } from '../core/analytics.ts';
import type { Impact } from '../core/impact.ts';
import type {
  BusinessResult,
  DiffChange,
  DiffResult,
  LineageResult,
  PersonRef,
  PersonResult,
  TreeNode,
  TreeResult,
} from '../core/queries.ts';

const INFERRED = '*';

function who(person: PersonRef | null): string {
  if (person === null) return 'vacant';
  return person.unnamed ? `(unnamed) ${person.name}` : person.name;
}

function nodeLine(node: TreeNode): string {
  const parts: string[] = [];
  for (const post of node.posts) {
    const holder = post.person === null ? 'vacant' : who(post.person);
    const level = post.post === 'head' && node.head?.level ? ` [${node.head.level}]` : '';
    const concurrent = post.concurrent ? ' (concurrent)' : '';
    parts.push(`${post.post}: ${holder}${level}${concurrent}${post.inferred ? INFERRED : ''}`);
  }
  if (node.members > 0) parts.push(`${node.members} member${node.members === 1 ? '' : 's'}`);
  if (node.businessDetails.length > 0) {
    parts.push(
      `businesses: ${node.businessDetails.map((b) => `${b.name}${b.inferred ? INFERRED : ''}`).join(', ')}`,
    );
  }
  return `${node.name}${node.inferred ? INFERRED : ''} (${node.type}) — ${parts.join(' · ')}`;
}

export function formatTree(result: TreeResult): string {
  if (result.root === null) return `No organization on ${result.asOf}.`;
  const lines = [`As of ${result.asOf}:`, nodeLine(result.root)];
  let inferred = result.root.inferred;
  const walk = (node: TreeNode, prefix: string) => {
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${nodeLine(child)}`);
      inferred ||=
        child.inferred ||
        child.posts.some((p) => p.inferred) ||
        child.businessDetails.some((b) => b.inferred);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(result.root, '');
  if (inferred) lines.push(`${INFERRED} inferred: rests on knowledge outside the plan's sources`);
  return lines.join('\n');
}

export function formatPerson(p: PersonResult, asOf: string): string {
  const lines = [
    `${p.unnamed ? `(unnamed) ${p.name}` : p.name}${p.inferred ? INFERRED : ''} — as of ${asOf}`,
  ];
  lines.push(`  level:    ${p.level ?? '—'}${p.title ? `   title: ${p.title}` : ''}`);
  lines.push(`  unit:     ${p.unit}`);
  const posts = p.posts.map(
    (post) =>
      `${post.post} of ${post.unit}${post.concurrent ? ' (concurrent)' : ''}${post.inferred ? INFERRED : ''}`,
  );
  lines.push(`  posts:    ${posts.join('; ') || '—'}`);
  lines.push(`  manager:  ${p.manager ? who(p.manager) : '— (top of the organization)'}`);
  if (p.dottedLines.length > 0) lines.push(`  dotted:   ${p.dottedLines.map(who).join(', ')}`);
  lines.push(`  chain:    ${p.chain.join(' → ') || '—'}`);
  lines.push(`  direct reports (${p.directReports.length}):`);
  for (const r of p.directReports) {
    const via =
      r.via === 'concurrent post'
        ? ` — as ${r.post} of ${r.unit} (concurrent post)`
        : r.via === 'dotted'
          ? ' — dotted line'
          : '';
    lines.push(`    ${who(r)}${via}`);
  }
  lines.push('  history:');
  for (const h of p.history) {
    lines.push(
      `    ${h.from} → ${h.to ?? 'now'}  ${h.unit}${h.level ? ` [${h.level}]` : ''}${h.title ? `, ${h.title}` : ''}  (${h.plan})`,
    );
  }
  for (const h of p.postHistory) {
    lines.push(
      `    ${h.from} → ${h.to ?? 'now'}  ${h.post} of ${h.unit}${h.concurrent ? ' (concurrent)' : ''}  (${h.plan})`,
    );
  }
  return lines.join('\n');
}

export function formatLineage(result: LineageResult): string {
  const lines = [`Lineage of ${result.unit}:`];
  for (const e of result.events) {
    let what: string;
    switch (e.kind) {
      case 'create':
        what = `created ${e.to.join(', ')}`;
        break;
      case 'rename':
        what = `renamed ${e.from[0]} → ${e.to[0]}`;
        break;
      case 'move':
        what = `moved ${e.unit}: under ${e.from[0] ?? '(top)'} → under ${e.to[0]}`;
        break;
      case 'replace':
        what = `replaced ${e.from.join(', ')} by ${e.to.join(', ')}`;
        break;
      case 'update':
        what = `updated ${e.from[0]}: ${e.from.slice(1).join(', ')} → ${e.to.slice(1).join(', ')}`;
        break;
      case 'dissolve':
        what = `dissolved ${e.from.join(', ')}${e.to.length > 0 ? `; what remained went to ${e.to.join(', ')}` : ''}`;
        break;
      default:
        what = `${e.kind === 'merge' ? 'merged' : 'split'} ${e.from.join(' + ')} → ${e.to.join(', ')}`;
    }
    lines.push(`  ${e.date}  ${what}  (plan ${e.plan})`);
  }
  return lines.join('\n');
}

export function formatBusiness(result: BusinessResult): string {
  const lines = [`Owners of ${result.business}:`];
  for (const o of result.owners) {
    lines.push(`  ${o.from} → ${o.to ?? 'now'}  ${o.unit}${o.inferred ? INFERRED : ''}  (plan ${o.plan})`);
  }
  if (result.owners.some((o) => o.inferred)) lines.push(`${INFERRED} inferred`);
  return lines.join('\n');
}

function describeChange(c: DiffChange): string {
  const v = (x: unknown) =>
    x === null || x === undefined ? '—' : Array.isArray(x) ? x.join(', ') : String(x);
  switch (c.kind) {
    case 'unit-created':
      return `${v(c.unit)} created under ${v(c.parent)}`;
    case 'unit-renamed':
      return `${v(c.from)} renamed to ${v(c.to)}`;
    case 'unit-moved':
      return `${v(c.unit)} moved from under ${v(c.from)} to under ${v(c.to)}`;
    case 'unit-merged':
      return `${v(c.units)} merged into ${v(c.into)}`;
    case 'unit-split':
      return `${v(c.unit)} split into ${v(c.into)}`;
    case 'unit-dissolved':
      return `${v(c.unit)} dissolved${c.rest ? `; the rest went to ${v(c.rest)}` : ''}`;
    case 'head-changed':
      return `head of ${v(c.unit)}: ${c.from === null ? 'vacant' : v(c.from)} → ${c.to === null ? 'vacant' : v(c.to)}${c.concurrent ? ' (concurrent)' : ''}`;
    case 'post-changed':
      return `${v(c.post)} of ${v(c.unit)}: ${c.from === null ? 'vacant' : v(c.from)} → ${c.to === null ? 'vacant' : v(c.to)}${c.concurrent ? ' (concurrent)' : ''}`;
    case 'person-joined':
      return `${v(c.person)} joined ${v(c.unit)}`;
    case 'person-left':
      return `${v(c.person)} left ${v(c.unit)}`;
    case 'person-moved':
      return `${v(c.person)} moved from ${v(c.from)} to ${v(c.to)}`;
    case 'person-renamed':
      return `${v(c.from)} is now called ${v(c.to)}`;
    case 'manager-changed':
      return `${v(c.person)} now reports to ${v(c.to)} (was ${v(c.from)})`;
    case 'level-changed':
      return `${v(c.person)} level ${v(c.from)} → ${v(c.to)}`;
    case 'title-changed':
      return `${v(c.person)} title ${v(c.from)} → ${v(c.to)}`;
    case 'business-transferred':
      return `business ${v(c.business)} moved from ${v(c.from)} to ${v(c.to)}`;
    case 'business-launched':
      return `business ${v(c.business)} launched in ${v(c.unit)}`;
    case 'business-retired':
      return `business ${v(c.business)} retired from ${v(c.unit)}`;
    case 'line-added':
      return `${v(c.person)} gets a ${v(c.lineKind)} line to ${v(c.to)}`;
    case 'line-ended':
      return `${v(c.person)}'s ${v(c.lineKind)} line to ${v(c.to)} ended`;
    default:
      return JSON.stringify(c);
  }
}

export function formatDiff(result: DiffResult): string {
  const lines = [`Changes after ${result.from} up to ${result.to}: ${result.changes.length}`];
  let lastDate = '';
  for (const c of result.changes) {
    const date = c.date === lastDate ? ' '.repeat(10) : c.date;
    lastDate = c.date;
    lines.push(`  ${date}  ${c.kind.padEnd(20)} ${describeChange(c)}`);
  }
  return lines.join('\n');
}

export function formatImpact(impact: Impact): string {
  const lines = [`Impact on ${impact.date}:`];
  const section = (title: string, rows: string[]) => {
    lines.push(`  ${title} (${rows.length}):`);
    for (const row of rows) lines.push(`    ${row}`);
  };
  section(
    'units',
    impact.unitChanges.map((c) => describeChange(c)),
  );
  section(
    'new managers',
    impact.managerChanges.map((c) => `${c.person}: ${c.from ?? '—'} → ${c.to ?? '—'}`),
  );
  section(
    'chains to the top',
    impact.chainChanges.map((c) => `${c.person}: ${c.before} → ${c.after}`),
  );
  section(
    'spans of control',
    impact.spans.map((c) => `${c.person}: ${c.before} → ${c.after}`),
  );
  lines.push(`  layers: ${impact.layers.before} → ${impact.layers.after}`);
  section(
    'headcount per top-level unit',
    impact.headcount.map((c) => `${c.unit}: ${c.before} → ${c.after}`),
  );
  section(
    'businesses',
    impact.businesses.map((c) => `${c.business}: ${c.from ?? '—'} → ${c.to ?? '—'}`),
  );
  section(
    'posts',
    impact.posts.map((c) => `${c.post} of ${c.unit}: ${c.from ?? 'vacant'} → ${c.to ?? 'vacant'}`),
  );
  section(
    'moved with nobody above them',
    impact.withoutHead.map((c) => `${c.person} in ${c.unit}`),
  );
  return lines.join('\n');
}

export function formatStats(s: Stats): string {
  const lines = [`As of ${s.asOf}: ${s.people} people in ${s.units} units, ${s.layers} layers`];
  lines.push(
    `  span of control: ${s.spanDistribution.map((d) => `${d.managers} manager(s) with ${d.span}`).join(', ') || '—'}`,
  );
  lines.push(
    `  layers: ${s.layerDistribution.map((d) => `${d.people} at layer ${d.layer}`).join(', ') || '—'}`,
  );
  lines.push('  headcount (direct / total):');
  for (const h of s.headcount)
    lines.push(`    ${'  '.repeat(h.path.length - 1)}${h.unit}: ${h.direct} / ${h.total}`);
  lines.push('  flags:');
  lines.push(
    `    units without a head (${s.flags.unitsWithoutHead.length}): ${s.flags.unitsWithoutHead.join(', ') || '—'}`,
  );
  lines.push(`    managers with a single report: ${s.flags.managersWithOneReport.join(', ') || '—'}`);
  lines.push(`    units with a single child unit: ${s.flags.unitsWithOneChild.join(', ') || '—'}`);
  lines.push(
    `    people with many posts: ${s.flags.manyPosts.map((p) => `${p.person} (${p.posts})`).join(', ') || '—'}`,
  );
  lines.push(
    `    long chains: ${s.flags.longChains.map((p) => `${p.person} (${p.length})`).join(', ') || '—'}`,
  );
  return lines.join('\n');
}
