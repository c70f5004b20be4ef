/** Small SVG plots for the analytics: bars for distributions, a step line for headcount over time. */

import type { ReactNode } from 'react';

const W = 420;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 36 };

const innerW = W - PAD.left - PAD.right;
const innerH = H - PAD.top - PAD.bottom;

/** The plot's box: title, both axes, and the y axis marked at 0 and at `max`. */
function PlotFrame({ label, max, children }: { label: string; max: number; children: ReactNode }) {
  return (
    <svg className="plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <title>{label}</title>
      <line x1={PAD.left} y1={PAD.top + innerH} x2={W - PAD.right} y2={PAD.top + innerH} className="axis" />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + innerH} className="axis" />
      <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" className="tick">
        {max}
      </text>
      <text x={PAD.left - 6} y={PAD.top + innerH} textAnchor="end" className="tick">
        0
      </text>
      {children}
    </svg>
  );
}

function niceMax(value: number): number {
  if (value <= 5) return Math.max(1, value);
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

export function BarChart({
  data,
  label,
  xLabel,
  yLabel,
}: {
  data: Array<{ x: number | string; y: number }>;
  label: string;
  xLabel: string;
  yLabel: string;
}) {
  const max = niceMax(Math.max(0, ...data.map((d) => d.y)));
  const band = innerW / Math.max(1, data.length);
  return (
    <PlotFrame label={label} max={max}>
      {data.map((d, i) => {
        const h = (d.y / max) * innerH;
        const x = PAD.left + i * band + band * 0.15;
        return (
          <g key={String(d.x)} className="bar">
            <rect x={x} y={PAD.top + innerH - h} width={band * 0.7} height={h}>
              <title>{`${xLabel} ${d.x}: ${d.y} ${yLabel}`}</title>
            </rect>
            <text x={x + band * 0.35} y={PAD.top + innerH + 14} textAnchor="middle" className="tick">
              {d.x}
            </text>
          </g>
        );
      })}
      <text x={PAD.left + innerW / 2} y={H - 4} textAnchor="middle" className="axis-label">
        {xLabel}
      </text>
      <text
        x={12}
        y={PAD.top + innerH / 2}
        textAnchor="middle"
        className="axis-label"
        transform={`rotate(-90 12 ${PAD.top + innerH / 2})`}
      >
        {yLabel}
      </text>
    </PlotFrame>
  );
}

export function StepChart({
  data,
  label,
}: {
  data: Array<{ date: string; headcount: number }>;
  label: string;
}) {
  if (data.length === 0) return <p>No headcount recorded.</p>;
  const times = data.map((d) => Date.parse(d.date));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 86_400_000 * 30);
  const max = niceMax(Math.max(...data.map((d) => d.headcount)));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * innerW;
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  let path = '';
  data.forEach((d, i) => {
    const px = x(times[i]!);
    path += i === 0 ? `M${px},${y(d.headcount)}` : `H${px}V${y(d.headcount)}`;
  });
  path += `H${x(t1)}`;
  return (
    <PlotFrame label={label} max={max}>
      <path d={path} className="line" />
      {data.map((d, i) => (
        <circle key={d.date} cx={x(times[i]!)} cy={y(d.headcount)} r={3} className="point">
          <title>{`${d.date}: ${d.headcount}`}</title>
        </circle>
      ))}
      <text x={PAD.left} y={H - 4} className="tick">
        {data[0]!.date}
      </text>
      <text x={W - PAD.right} y={H - 4} textAnchor="end" className="tick">
        {new Date(t1).toISOString().slice(0, 10)}
      </text>
    </PlotFrame>
  );
}
