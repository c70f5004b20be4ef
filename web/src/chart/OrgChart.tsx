import { select } from 'd3-selection';
import { type ZoomBehavior, type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import { type Ref, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { Tree } from '../api.ts';
import { cardLines, chartSvg, LINE_Y, MARK_COLOURS } from './card.ts';
import {
  CARD_H,
  CARD_W,
  dottedPath,
  type Layout,
  layoutTree,
  linkPath,
  linksIn,
  type Mark,
  nodesIn,
} from './layout.ts';

export interface ChartHandle {
  fit(readable?: boolean): void;
  center(id: string): void;
  /** The whole expanded chart as a standalone SVG document. */
  svg(): string;
  layout(): Layout;
}

interface Props {
  tree: Tree;
  collapsed: ReadonlySet<string>;
  onToggle?: (id: string) => void;
  onSelectUnit?: (id: string) => void;
  onSelectPerson?: (name: string) => void;
  highlight?: ReadonlySet<string>;
  selected?: string | undefined;
  marks?: ReadonlyMap<string, Mark>;
  label: string;
  /** Fit the chart whenever its layout changes (the before/after charts). */
  fitOnChange?: boolean;
  ref?: Ref<ChartHandle>;
}

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Above this many cards in the drawn region the chart switches to a canvas overview without text. */
const DENSE = 600;
/** Below this scale card text is too small to read: the canvas overview draws plain boxes instead. */
const TINY = 0.25;
/** Small enough to fit 100k units' worth of chart on one screen. */
const MIN_SCALE = 0.0002;
/** The largest offscreen bitmap (a side, in pixels) the overview caches for panning. */
const MAX_BITMAP = 4096;
/** The smallest scale at which a card's text stays readable. */
const READABLE = 0.6;

/**
 * The org chart: cards laid out by d3-flextree, zoom and pan by d3-zoom. Only the cards inside a
 * region around the viewport are in the DOM; panning moves one transform and re-renders only when
 * the viewport leaves that region.
 */
export function OrgChart(props: Props) {
  const { tree, collapsed, highlight, selected, marks } = props;
  const root = tree.root;
  const layout = useMemo(
    () =>
      root
        ? layoutTree(root, collapsed)
        : { nodes: [], byId: new Map(), bounds: { x0: 0, y0: 0, x1: 0, y1: 0 } },
    [root, collapsed],
  );
  const dotted = useMemo(
    () =>
      tree.dotted
        .map((d) => ({ from: layout.byId.get(d.fromUnit), to: layout.byId.get(d.toUnit), line: d }))
        .filter(
          (d): d is { from: number; to: number; line: Tree['dotted'][number] } =>
            d.from !== undefined && d.to !== undefined,
        ),
    [tree.dotted, layout],
  );
  const svgRef = useRef<SVGSVGElement>(null);
  const gRef = useRef<SVGGElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const transform = useRef<ZoomTransform>(zoomIdentity);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const [region, setRegion] = useState<Region | null>(null);
  const [dense, setDense] = useState(false);
  const frame = useRef(0);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const marksRef = useRef(marks);
  marksRef.current = marks;
  const regionRef = useRef(region);
  regionRef.current = region;
  const denseRef = useRef(dense);
  denseRef.current = dense;

  const viewport = useCallback((): Region => {
    const svg = svgRef.current;
    const t = transform.current;
    const w = svg?.clientWidth ?? 800;
    const h = svg?.clientHeight ?? 600;
    return { x0: -t.x / t.k, y0: -t.y / t.k, x1: (w - t.x) / t.k, y1: (h - t.y) / t.k };
  }, []);

  const bitmap = useRef<{ canvas: HTMLCanvasElement; k: number; layout: Layout; dpr: number } | null>(null);
  const drawnScale = useRef(1);
  const drawCanvas = useCallback(() => {
    const canvas = canvasRef.current;
    const svg = svgRef.current;
    if (!canvas || !svg) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = svg.clientWidth;
    const h = svg.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!denseRef.current) return;
    const t = transform.current;
    const l = layoutRef.current;
    // Zoomed out this far, panning only shifts the picture: draw the whole chart once per scale
    // into an offscreen bitmap and copy it each frame.
    const { x0, y0, x1, y1 } = l.bounds;
    const bw = Math.ceil((x1 - x0) * t.k * dpr) + 2;
    const bh = Math.ceil((y1 - y0) * t.k * dpr) + 2;
    if (bw <= MAX_BITMAP && bh <= MAX_BITMAP) {
      let cached = bitmap.current;
      if (!cached || cached.k !== t.k || cached.layout !== l || cached.dpr !== dpr) {
        const off = document.createElement('canvas');
        off.width = bw;
        off.height = bh;
        const octx = off.getContext('2d');
        if (!octx) return;
        octx.setTransform(dpr * t.k, 0, 0, dpr * t.k, -x0 * t.k * dpr + 1, -y0 * t.k * dpr + 1);
        drawBoxes(octx, l, t.k, l.bounds);
        cached = { canvas: off, k: t.k, layout: l, dpr };
        bitmap.current = cached;
      }
      ctx.drawImage(
        cached.canvas,
        Math.round((t.x + x0 * t.k) * dpr - 1),
        Math.round((t.y + y0 * t.k) * dpr - 1),
      );
      return;
    }
    ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
    drawBoxes(ctx, l, t.k, viewport());
  }, [viewport]);

  /** Re-renders the cards when the viewport has left the drawn region (or when forced). */
  const refresh = useCallback(
    (force: boolean) => {
      const v = viewport();
      const r = regionRef.current;
      const inside = r && v.x0 >= r.x0 && v.y0 >= r.y0 && v.x1 <= r.x1 && v.y1 <= r.y1;
      const k = transform.current.k;
      // Zooming in keeps the viewport inside the region; redraw anyway once the scale has moved on.
      const rescaled = k > drawnScale.current * 1.5 || k < drawnScale.current / 1.5;
      if (force || !inside || rescaled) {
        drawnScale.current = k;
        const w = v.x1 - v.x0;
        const h = v.y1 - v.y0;
        const next = { x0: v.x0 - w / 2, y0: v.y0 - h / 2, x1: v.x1 + w / 2, y1: v.y1 + h / 2 };
        const count = nodesIn(layoutRef.current, v.x0, v.y0, v.x1, v.y1).length;
        const isDense = count > DENSE || (k < TINY && count > 0);
        denseRef.current = isDense;
        setDense(isDense);
        setRegion(next);
      }
      drawCanvas();
    },
    [viewport, drawCanvas],
  );

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, 3])
      .on('zoom', (event: { transform: ZoomTransform }) => {
        transform.current = event.transform;
        gRef.current?.setAttribute('transform', event.transform.toString());
        cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(() => refresh(false));
      });
    select(svg).call(behaviour).on('dblclick.zoom', null);
    zoomRef.current = behaviour;
    return () => {
      select(svg).on('.zoom', null);
    };
  }, [refresh]);

  // A resized window shows more or less of the chart: draw what is now on screen.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => refresh(true));
    observer.observe(svg);
    return () => observer.disconnect();
  }, [refresh]);

  const setTransform = useCallback((t: ZoomTransform) => {
    const svg = svgRef.current;
    if (svg && zoomRef.current) select(svg).call(zoomRef.current.transform, t);
  }, []);

  /**
   * The whole chart on screen; with `readable`, never so small that the cards cannot be read.
   * With marks, the marked units and their parents rather than the whole chart.
   */
  const fitView = useCallback(
    (readable = false) => {
      const svg = svgRef.current;
      if (!svg) return;
      const { x0, y0, x1, y1 } =
        markedBounds(layoutRef.current, marksRef.current) ?? layoutRef.current.bounds;
      const w = svg.clientWidth || 800;
      const h = svg.clientHeight || 600;
      const whole = Math.min(1, (w - 40) / Math.max(1, x1 - x0), (h - 40) / Math.max(1, y1 - y0));
      const k = Math.max(readable ? READABLE : MIN_SCALE, whole);
      const root = layoutRef.current.nodes[0];
      // Too wide to read at once: the root at the top centre, the rest a pan away.
      const tx = k > whole && root ? w / 2 - (root.x + CARD_W / 2) * k : (w - (x1 - x0) * k) / 2 - x0 * k;
      const ty = 20 - y0 * k;
      setTransform(zoomIdentity.translate(tx, ty).scale(k));
    },
    [setTransform],
  );

  const center = useCallback(
    (id: string) => {
      const svg = svgRef.current;
      const i = layoutRef.current.byId.get(id);
      if (!svg || i === undefined) return;
      const n = layoutRef.current.nodes[i]!;
      const k = Math.max(transform.current.k, 0.8);
      const tx = svg.clientWidth / 2 - (n.x + CARD_W / 2) * k;
      const ty = svg.clientHeight / 2 - (n.y + CARD_H / 2) * k;
      setTransform(zoomIdentity.translate(tx, ty).scale(k));
    },
    [setTransform],
  );

  useImperativeHandle(
    props.ref,
    () => ({
      fit: fitView,
      center,
      svg: () =>
        chartSvg(
          layoutRef.current,
          dotted.map((d) => ({ from: d.from, to: d.to })),
          marks,
        ),
      layout: () => layoutRef.current,
    }),
    [fitView, center, dotted, marks],
  );

  const fitOnChange = props.fitOnChange ?? false;
  const firstLayout = useRef(true);
  useEffect(() => {
    if (layout.nodes.length === 0) return;
    if (firstLayout.current || fitOnChange) {
      firstLayout.current = false;
      fitView(!fitOnChange);
    }
    refresh(true);
  }, [layout, fitView, refresh, fitOnChange]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const svg = svgRef.current;
    const behaviour = zoomRef.current;
    if (!svg || !behaviour) return;
    const step = 80;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      select(svg).call(behaviour.translateBy, move[0] / transform.current.k, move[1] / transform.current.k);
    } else if (event.key === '+' || event.key === '=') {
      select(svg).call(behaviour.scaleBy, 1.25);
    } else if (event.key === '-') {
      select(svg).call(behaviour.scaleBy, 0.8);
    } else if (event.key === '0') {
      fitView(false);
    }
  };

  const drawn = region && !dense ? nodesIn(layout, region.x0, region.y0, region.x1, region.y1) : [];
  const drawnLinks = region && !dense ? linksIn(layout, region.x0, region.y0, region.x1, region.y1) : [];
  const onPath = (i: number) => {
    const n = layout.nodes[i]!;
    return highlight?.has(n.id) && n.parent >= 0 && highlight.has(layout.nodes[n.parent]!.id);
  };

  return (
    <div className="chart">
      <canvas ref={canvasRef} className="chart-canvas" />
      <svg
        ref={svgRef}
        className="chart-svg"
        role="application"
        aria-roledescription="org chart"
        aria-label={props.label}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the chart itself pans and zooms with the keyboard
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-units={layout.nodes.length}
        data-drawn={drawn.length}
        data-dense={dense}
      >
        <g ref={gRef} transform={transform.current.toString()}>
          {drawnLinks.map((i) => (
            <path
              key={`l${layout.nodes[i]!.id}`}
              className={onPath(i) ? 'link on-path' : 'link'}
              d={linkPath(layout, i)}
            />
          ))}
          {drawn.map((i) => {
            const n = layout.nodes[i]!;
            const unit = n.unit;
            const mark = marks?.get(unit.name);
            const classes = ['card'];
            if (highlight?.has(n.id)) classes.push('on-path');
            if (selected === n.id) classes.push('selected');
            if (unit.inferred) classes.push('inferred');
            if (mark) classes.push(`mark-${mark}`);
            return (
              <g
                key={n.id}
                className={classes.join(' ')}
                transform={`translate(${n.x},${n.y})`}
                data-unit={unit.name}
                data-mark={mark}
              >
                {/* biome-ignore lint/a11y/useSemanticElements: SVG has no button element */}
                <rect
                  width={CARD_W}
                  height={CARD_H}
                  rx={6}
                  role="button"
                  tabIndex={0}
                  aria-label={`Unit ${unit.name}`}
                  style={mark ? { stroke: MARK_COLOURS[mark], strokeWidth: 3 } : undefined}
                  onClick={() => props.onSelectUnit?.(n.id)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') props.onSelectUnit?.(n.id);
                  }}
                />
                <title>{unit.inferred ? `${unit.name} (inferred)` : unit.name}</title>
                {cardLines(unit).map((line, li) =>
                  line.kind === 'head' && unit.head ? (
                    // biome-ignore lint/a11y/useSemanticElements: SVG has no button element
                    <text
                      key={line.kind}
                      className="head person-link"
                      x={10}
                      y={LINE_Y[li]}
                      role="button"
                      tabIndex={0}
                      aria-label={`Person ${unit.head.name}`}
                      onClick={() => props.onSelectPerson?.(unit.head!.name)}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') props.onSelectPerson?.(unit.head!.name);
                      }}
                    >
                      {line.text}
                    </text>
                  ) : (
                    <text key={line.kind} className={line.kind} x={10} y={LINE_Y[li]}>
                      {line.text}
                    </text>
                  ),
                )}
                {n.childCount > 0 && props.onToggle && (
                  // biome-ignore lint/a11y/useSemanticElements: SVG has no button element
                  <g
                    className="toggle"
                    transform={`translate(${CARD_W / 2},${CARD_H})`}
                    role="button"
                    tabIndex={0}
                    aria-label={`${n.collapsed ? 'Expand' : 'Collapse'} ${unit.name}`}
                    aria-expanded={!n.collapsed}
                    onClick={() => props.onToggle?.(n.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') props.onToggle?.(n.id);
                    }}
                  >
                    <circle r={10} />
                    <text textAnchor="middle" y={4}>
                      {n.collapsed ? `+${n.childCount}` : '−'}
                    </text>
                  </g>
                )}
              </g>
            );
          })}
          {!dense &&
            dotted.map((d) => (
              <path
                key={`d${d.line.person.id}-${d.line.manager.id}`}
                className="dotted"
                d={dottedPath(layout, d.from, d.to)}
              >
                <title>{`${d.line.person.name} ⇢ ${d.line.manager.name} (dotted line)`}</title>
              </path>
            ))}
        </g>
      </svg>
    </div>
  );
}

function markedBounds(
  layout: Layout,
  marks: ReadonlyMap<string, Mark> | undefined,
): Layout['bounds'] | undefined {
  if (!marks || marks.size === 0) return undefined;
  const bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const n of layout.nodes) {
    if (!marks.has(n.unit.name)) continue;
    for (const m of n.parent >= 0 ? [n, layout.nodes[n.parent]!] : [n]) {
      bounds.x0 = Math.min(bounds.x0, m.x);
      bounds.y0 = Math.min(bounds.y0, m.y);
      bounds.x1 = Math.max(bounds.x1, m.x + CARD_W);
      bounds.y1 = Math.max(bounds.y1, m.y + CARD_H);
    }
  }
  return bounds.x0 === Infinity ? undefined : bounds;
}

/** The overview: links and plain boxes of the cards inside the region, on a canvas. */
function drawBoxes(ctx: CanvasRenderingContext2D, l: Layout, k: number, v: Layout['bounds']): void {
  ctx.strokeStyle = '#9aa4b1';
  ctx.lineWidth = 1.5 / k;
  ctx.stroke(
    new Path2D(
      linksIn(l, v.x0, v.y0, v.x1, v.y1)
        .map((i) => linkPath(l, i))
        .join(''),
    ),
  );
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#7d8794';
  for (const i of nodesIn(l, v.x0, v.y0, v.x1, v.y1)) {
    const n = l.nodes[i]!;
    ctx.fillRect(n.x, n.y, CARD_W, CARD_H);
    ctx.strokeRect(n.x, n.y, CARD_W, CARD_H);
  }
}
