import type { TreeNode } from '../api.ts';
import { CARD_H, CARD_W, type Layout, linkPath, type Mark } from './layout.ts';

export const MARK_COLOURS: Record<Mark, string> = {
  created: '#1a7f37',
  merged: '#8250df',
  moved: '#0969da',
  dissolved: '#cf222e',
  renamed: '#bc4c00',
  split: '#0a7d8c',
};

export interface CardLine {
  text: string;
  kind: 'name' | 'meta' | 'head' | 'vacant' | 'post' | 'business';
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What a unit's card says, line by line: the same on the page and in exported files. */
export function cardLines(unit: TreeNode): CardLine[] {
  const lines: CardLine[] = [{ text: clip(unit.name, 30), kind: 'name' }];
  lines.push({
    text: `${unit.type}${unit.status ? ` · ${unit.status}` : ''} · ${unit.members} ${unit.members === 1 ? 'person' : 'people'}`,
    kind: 'meta',
  });
  const headPost = unit.posts.find((p) => p.post === 'head');
  if (unit.head) {
    const level = unit.head.level ? ` (${unit.head.level})` : '';
    const concurrent = headPost?.concurrent ? ' ⇄' : '';
    lines.push({ text: clip(`Head: ${unit.head.name}${level}${concurrent}`, 40), kind: 'head' });
  } else {
    lines.push({ text: 'Head: vacant', kind: 'vacant' });
  }
  const named = unit.posts.filter((p) => p.post !== 'head');
  if (named.length > 0) {
    const first = named[0]!;
    const who = first.person ? first.person.name : 'vacant';
    const more = named.length > 1 ? ` +${named.length - 1}` : '';
    lines.push({
      text: clip(`${first.concurrent ? '⇄ ' : ''}${first.post}: ${who}${more}`, 40),
      kind: 'post',
    });
  }
  if (unit.businesses.length > 0) {
    const more = unit.businesses.length > 2 ? ` +${unit.businesses.length - 2}` : '';
    lines.push({ text: clip(`${unit.businesses.slice(0, 2).join(', ')}${more}`, 40), kind: 'business' });
  }
  return lines.slice(0, 5);
}

export const LINE_Y = [20, 38, 55, 72, 89];

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const SVG_STYLE = `
.card rect{fill:#fff;stroke:#aab3bf;stroke-width:1}
.card text{font:12px system-ui,sans-serif;fill:#334}
.card .name{font-weight:600;font-size:14px;fill:#1d232b}
.card .vacant{fill:#b42318}
.card .business{fill:#5a4a00}
.link{fill:none;stroke:#9aa4b1;stroke-width:1.5}
.dotted{fill:none;stroke:#8250df;stroke-width:1.5;stroke-dasharray:5 4}`;

/** A standalone SVG of every unit laid out (not only those on screen), for SVG, PNG and PDF export. */
export function chartSvg(
  layout: Layout,
  dotted: ReadonlyArray<{ from: number; to: number }>,
  marks: ReadonlyMap<string, Mark> = new Map(),
): string {
  const { x0, y0, x1, y1 } = layout.bounds;
  const pad = 20;
  const width = Math.ceil(x1 - x0 + 2 * pad);
  const height = Math.ceil(y1 - y0 + 2 * pad);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${x0 - pad} ${y0 - pad} ${width} ${height}">`,
    `<style>${SVG_STYLE}</style>`,
    `<rect x="${x0 - pad}" y="${y0 - pad}" width="${width}" height="${height}" fill="#f6f7f9"/>`,
  ];
  for (let i = 0; i < layout.nodes.length; i++) {
    if (layout.nodes[i]!.parent >= 0) parts.push(`<path class="link" d="${linkPath(layout, i)}"/>`);
  }
  for (const n of layout.nodes) {
    const mark = marks.get(n.unit.name);
    const stroke = mark ? ` style="stroke:${MARK_COLOURS[mark]};stroke-width:3"` : '';
    parts.push(
      `<g class="card" transform="translate(${n.x},${n.y})"><title>${escapeXml(n.unit.name)}</title>`,
    );
    parts.push(`<rect width="${CARD_W}" height="${CARD_H}" rx="6"${stroke}/>`);
    cardLines(n.unit).forEach((line, i) => {
      parts.push(`<text class="${line.kind}" x="10" y="${LINE_Y[i]}">${escapeXml(line.text)}</text>`);
    });
    parts.push('</g>');
  }
  for (const d of dotted) {
    const a = layout.nodes[d.from]!;
    const b = layout.nodes[d.to]!;
    parts.push(
      `<path class="dotted" d="M${a.x + CARD_W / 2},${a.y + CARD_H / 2}L${b.x + CARD_W / 2},${b.y + CARD_H / 2}"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
