import { useEffect, useMemo, useState } from 'react';
import { type AppliedPlans, api, type Diff, type Lineage, q } from '../api.ts';
import { addDays, dayNumber } from '../dates.ts';
import { describeChange } from '../describe.ts';
import type { UrlState } from '../url.ts';
import { buildGraph } from './lineage-graph.ts';

export function TimelineView({ url, update }: { url: UrlState; update: (patch: Partial<UrlState>) => void }) {
  const [plans, setPlans] = useState<AppliedPlans['plans']>([]);
  const [chosen, setChosen] = useState<string | undefined>(url.plan);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [unitText, setUnitText] = useState(url.unit ?? '');
  useEffect(() => {
    api<AppliedPlans>('GET', '/api/plans')
      .then((r) => setPlans(r.plans))
      .catch(() => {});
  }, []);
  const plan = plans.find((p) => p.id === chosen);
  useEffect(() => {
    if (!plan) return;
    api<Diff>('GET', `/api/diff${q({ from: addDays(plan.effective, -1), to: plan.effective })}`)
      .then(setDiff)
      .catch(() => setDiff(null));
  }, [plan]);

  const min = plans.length > 0 ? dayNumber(plans[0]!.effective) : 0;
  const max = plans.length > 0 ? dayNumber(plans[plans.length - 1]!.effective) : 1;
  const at = (day: string) => 40 + ((dayNumber(day) - min) / Math.max(1, max - min)) * 820;
  const labelRows = labelRowsFor(plans.map((p) => at(p.effective)));

  return (
    <main className="timeline-view">
      <section aria-label="Restructurings over time">
        <h2>Restructurings over time</h2>
        <svg
          className="timeline"
          viewBox="0 -20 900 130"
          role="img"
          aria-label="Applied plans on a time axis"
        >
          <line x1={30} y1={50} x2={870} y2={50} className="axis" />
          {plans.map((p, i) => (
            // biome-ignore lint/a11y/useSemanticElements: SVG has no button element
            <g
              key={p.id}
              className={p.id === chosen ? 'event current' : 'event'}
              transform={`translate(${at(p.effective)},50)`}
              role="button"
              tabIndex={0}
              aria-label={`${p.title} (${p.effective})`}
              onClick={() => setChosen(p.id)}
              onKeyDown={(e) => e.key === 'Enter' && setChosen(p.id)}
            >
              <circle r={7} />
              <text y={LABEL_Y[labelRows[i] ?? 0]} textAnchor="middle">
                {p.effective}
              </text>
              <title>{`${p.title} (${p.effective})`}</title>
            </g>
          ))}
        </svg>
        <ol className="plan-timeline">
          {plans.map((p) => (
            <li key={p.id}>
              <button type="button" className="link-button" onClick={() => setChosen(p.id)}>
                {p.effective} — {p.title}
              </button>
              {p.announcedBy && <small> (announced by {p.announcedBy})</small>}{' '}
              <button type="button" onClick={() => update({ view: 'chart', asOf: p.effective })}>
                Chart on this date
              </button>
            </li>
          ))}
        </ol>
        {plan && diff && (
          <section className="diff" aria-label="What changed">
            <h3>
              What changed on {plan.effective}: {plan.title}
            </h3>
            <ul>
              {diff.changes.map((c) => (
                <li key={describeChange(c)}>{describeChange(c)}</li>
              ))}
            </ul>
          </section>
        )}
      </section>
      <section aria-label="Lineage">
        <h2>Lineage of a unit</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            update({ unit: unitText.trim() || undefined });
          }}
        >
          <label>
            Unit{' '}
            <input
              value={unitText}
              onChange={(e) => setUnitText(e.target.value)}
              placeholder="e.g. Tmall Business Group"
            />
          </label>{' '}
          <button type="submit">Show lineage</button>
        </form>
        {url.unit && <LineageGraph unit={url.unit} />}
      </section>
    </main>
  );
}

const LABEL_Y = [-14, 26, -30, 42];

/** For each event's x, the first label row (above, below, higher, lower) where its date does not collide. */
function labelRowsFor(xs: number[]): number[] {
  const last = LABEL_Y.map(() => -Infinity);
  return xs.map((x) => {
    const row = last.findIndex((end) => x - end >= 76);
    const chosen = row === -1 ? 0 : row;
    last[chosen] = x;
    return chosen;
  });
}

const BOX_W = 210;
const BOX_H = 46;
const COL = 300;
const ROW = 74;

/** A unit's lineage as a graph: units as boxes in order of appearance, merges/splits/renames as arrows. */
function LineageGraph({ unit }: { unit: string }) {
  const [lineage, setLineage] = useState<Lineage | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api<Lineage>('GET', `/api/lineage/${encodeURIComponent(unit)}`)
      .then(setLineage)
      .catch((e: Error) => {
        setLineage(null);
        setError(e.message);
      });
  }, [unit]);
  const graph = useMemo(() => (lineage ? buildGraph(lineage) : null), [lineage]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!graph) return null;
  const width = Math.max(...graph.nodes.map((n) => n.col), 0) * COL + BOX_W + 40;
  const height = Math.max(...graph.nodes.map((n) => n.row), 0) * ROW + BOX_H + 60;
  const pos = new Map(graph.nodes.map((n) => [n.name, { x: 20 + n.col * COL, y: 20 + n.row * ROW }]));
  return (
    <div className="lineage">
      <svg width={width} height={height} role="img" aria-label={`Lineage of ${lineage!.unit}`}>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="8"
            markerHeight="8"
            orient="auto"
          >
            <path d="M0,0L10,5L0,10z" fill="#57606a" />
          </marker>
        </defs>
        {graph.edges.map((e) => {
          const a = pos.get(e.from)!;
          const b = pos.get(e.to)!;
          const x1 = a.x + BOX_W;
          const y1 = a.y + BOX_H / 2;
          const x2 = b.x;
          const y2 = b.y + BOX_H / 2;
          const mx = (x1 + x2) / 2;
          return (
            <g key={`${e.from}>${e.to}:${e.kind}`} className={`lineage-edge ${e.kind}`}>
              <path d={`M${x1},${y1}C${mx},${y1} ${mx},${y2} ${x2},${y2}`} markerEnd="url(#arrow)" />
              <text x={mx} y={(y1 + y2) / 2 - 4} textAnchor="middle">
                {e.label}
              </text>
            </g>
          );
        })}
        {graph.nodes.map((n) => {
          const p = pos.get(n.name)!;
          return (
            <g
              key={n.name}
              className={n.name === lineage!.unit ? 'lineage-node focus' : 'lineage-node'}
              transform={`translate(${p.x},${p.y})`}
            >
              <rect width={BOX_W} height={BOX_H} rx={6} />
              <text x={8} y={18} className="name">
                {n.name}
              </text>
              <text x={8} y={36} className="note">
                {n.notes.join('; ')}
              </text>
            </g>
          );
        })}
      </svg>
      <ol className="lineage-events">
        {lineage!.events.map((e) => (
          <li key={`${e.date}:${e.kind}:${e.from.join()}>${e.to.join()}:${e.unit ?? ''}`}>
            {e.date}: {e.kind} {e.unit ?? ''} {e.from.length > 0 ? `from ${e.from.join(', ')}` : ''}{' '}
            {e.to.length > 0 ? `to ${e.to.join(', ')}` : ''} <small>({e.plan})</small>
          </li>
        ))}
      </ol>
    </div>
  );
}
