import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  type AppliedPlans,
  api,
  type Diff,
  type Person,
  q,
  type SearchResults,
  type Tree,
  type TreeNode,
} from '../api.ts';
import { MARK_COLOURS } from '../chart/card.ts';
import { savePdf, savePng, saveSvg } from '../chart/exporting.ts';
import { collapsedBelow, countUnits, idByNamePath, pathTo } from '../chart/layout.ts';
import { marksOf } from '../chart/marks.ts';
import { type ChartHandle, OrgChart } from '../chart/OrgChart.tsx';
import { addDays, dayNumber, dayOf, today } from '../dates.ts';
import { describeChange } from '../describe.ts';
import type { UrlState } from '../url.ts';

interface ViewProps {
  url: UrlState;
  update: (patch: Partial<UrlState>) => void;
}

/** The side panel lists this many of a restructuring's changes; the timeline lists them all. */
const CHANGES_LISTED = 40;
/** Trees up to this size open fully expanded; larger ones open two levels deep. */
const OPEN_EXPANDED = 300;

function findUnit(root: TreeNode, ref: string): TreeNode | undefined {
  // Breadth first, so that of two units with the same name the one nearer the top wins; a read
  // index instead of shift() keeps it linear on large trees.
  const queue = [root];
  const key = ref.toLowerCase();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    if (n.id === ref || n.name.toLowerCase() === key) return n;
    for (const c of n.children) queue.push(c);
  }
  return undefined;
}

export function ChartView({ url, update }: ViewProps) {
  const asOf = url.asOf ?? today();
  const [tree, setTree] = useState<Tree | null>(null);
  const [error, setError] = useState('');
  const [plans, setPlans] = useState<AppliedPlans['plans']>([]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [highlight, setHighlight] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string | undefined>();
  const chart = useRef<ChartHandle>(null);
  const pendingCenter = useRef<string | undefined>(undefined);
  const initialised = useRef(false);
  const request = useRef(0);

  useEffect(() => {
    api<AppliedPlans>('GET', '/api/plans')
      .then((r) => setPlans(r.plans))
      .catch(() => {});
  }, []);

  useEffect(() => {
    const mine = ++request.current;
    api<Tree>('GET', `/api/tree${q({ asOf })}`)
      .then((t) => {
        if (mine !== request.current) return;
        setError('');
        if (!initialised.current && t.root) {
          initialised.current = true;
          setCollapsed(countUnits(t.root) <= OPEN_EXPANDED ? new Set() : collapsedBelow(t.root, 2));
        }
        setTree(t);
      })
      .catch((e: Error) => mine === request.current && setError(e.message));
  }, [asOf]);

  const reveal = useCallback((root: TreeNode, id: string) => {
    const path = pathTo(root, id);
    setCollapsed((c) => {
      if (!path.slice(0, -1).some((p) => c.has(p))) return c;
      const next = new Set(c);
      for (const p of path.slice(0, -1)) next.delete(p);
      return next;
    });
    setHighlight(new Set(path));
    setSelected(id);
    pendingCenter.current = id;
  }, []);

  // The unit named in the address: revealed once the tree is there.
  const unitFromUrl = useRef(url.unit);
  useEffect(() => {
    if (!tree?.root || !unitFromUrl.current) return;
    const unit = findUnit(tree.root, unitFromUrl.current);
    unitFromUrl.current = undefined;
    if (unit) reveal(tree.root, unit.id);
  }, [tree, reveal]);

  useEffect(() => {
    if (pendingCenter.current && chart.current) {
      chart.current.center(pendingCenter.current);
      pendingCenter.current = undefined;
    }
  });

  const selectUnit = (id: string) => {
    setSelected(id);
    const unit = tree?.root ? findUnit(tree.root, id) : undefined;
    update({ unit: unit?.name, person: undefined });
  };

  const toggle = (id: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  // The latest restructuring on or before the date; on its own date, the units it changed are coloured.
  const latest = [...plans].reverse().find((p) => p.effective <= asOf);
  const [latestDiff, setLatestDiff] = useState<Diff | null>(null);
  useEffect(() => {
    if (!latest) return;
    api<Diff>('GET', `/api/diff${q({ from: addDays(latest.effective, -1), to: latest.effective })}`)
      .then(setLatestDiff)
      .catch(() => setLatestDiff(null));
  }, [latest]);
  const marks = useMemo(
    () =>
      latest && latestDiff && latest.effective === asOf && latestDiff.to === asOf
        ? marksOf(latestDiff.changes.filter((c) => c.kind.startsWith('unit-'))).after
        : undefined,
    [latest, latestDiff, asOf],
  );

  const root = tree?.root ?? null;
  const selectedUnit = useMemo(
    () => (root && selected ? findUnit(root, selected) : undefined),
    [root, selected],
  );
  const name = `orgshift-${asOf}`;

  return (
    <main className="chart-view">
      <DateSlider plans={plans} asOf={asOf} onChange={(day) => update({ asOf: day })} />
      <div className="toolbar" role="toolbar" aria-label="Chart tools">
        {root && (
          <Search
            asOf={asOf}
            onPick={(result) => {
              const id = result.kind === 'unit' ? result.id : idByNamePath(root, result.path);
              if (id) reveal(root, id);
              if (result.kind === 'person') update({ person: result.name });
              else if (id) update({ unit: findUnit(root, id)?.name, person: undefined });
            }}
          />
        )}
        <button type="button" onClick={() => chart.current?.fit()}>
          Fit
        </button>
        <button type="button" onClick={() => setCollapsed(new Set())}>
          Expand all
        </button>
        <button type="button" onClick={() => root && setCollapsed(collapsedBelow(root, 0))}>
          Collapse all
        </button>
        <label>
          Expand to level{' '}
          <select
            defaultValue=""
            onChange={(e) => {
              if (root && e.target.value !== '') setCollapsed(collapsedBelow(root, Number(e.target.value)));
            }}
          >
            <option value="" disabled>
              –
            </option>
            {[1, 2, 3, 4, 5, 6].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span className="export">
          Export:{' '}
          <button type="button" onClick={() => chart.current && saveSvg(chart.current.svg(), name)}>
            SVG
          </button>
          <button type="button" onClick={() => chart.current && savePng(chart.current.svg(), name)}>
            PNG
          </button>
          <button type="button" onClick={() => chart.current && savePdf(chart.current.svg(), name)}>
            PDF
          </button>
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="chart-area">
        {tree && root ? (
          <OrgChart
            ref={chart}
            tree={tree}
            collapsed={collapsed}
            onToggle={toggle}
            onSelectUnit={selectUnit}
            onSelectPerson={(person) => update({ person })}
            highlight={highlight}
            selected={selected}
            marks={marks}
            label={`Organization chart as of ${asOf}`}
          />
        ) : (
          tree && <p className="empty">No organization on {asOf}.</p>
        )}
        <aside className="side" aria-label="Details">
          {url.person ? (
            <PersonPanel name={url.person} asOf={asOf} onPerson={(person) => update({ person })} />
          ) : selectedUnit ? (
            <UnitPanel unit={selectedUnit} onPerson={(person) => update({ person })} update={update} />
          ) : (
            <>
              {latest && latestDiff && latestDiff.to === latest.effective && (
                <section className="recent" aria-label="Latest restructuring">
                  <h2>{latest.effective === asOf ? 'Changed on this date' : 'Latest restructuring'}</h2>
                  <p>
                    <strong>{latest.title}</strong> — effective {latest.effective}
                    {latest.announcedBy ? `, announced by ${latest.announcedBy}` : ''}
                  </p>
                  {marks && marks.size > 0 && (
                    <p className="legend">
                      {[...new Set(marks.values())].map((m) => (
                        <span key={m} className="legend-item">
                          <span className="swatch" style={{ borderColor: MARK_COLOURS[m] }} /> {m}
                        </span>
                      ))}
                    </p>
                  )}
                  <ul>
                    {latestDiff.changes.slice(0, CHANGES_LISTED).map((c) => (
                      <li key={describeChange(c)}>{describeChange(c)}</li>
                    ))}
                  </ul>
                  {latestDiff.changes.length > CHANGES_LISTED && (
                    <p>
                      …and {latestDiff.changes.length - CHANGES_LISTED} more:{' '}
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => update({ view: 'timeline', plan: latest.id })}
                      >
                        all changes
                      </button>
                    </p>
                  )}
                </section>
              )}
              <p className="hint">
                Choose a unit or a head to see details. Drag to pan, scroll to zoom; arrow keys, + and − work
                too. ⇄ marks a concurrent post; purple dashes are dotted reporting lines; * marks an inferred
                fact.
              </p>
            </>
          )}
        </aside>
      </div>
    </main>
  );
}

function DateSlider({
  plans,
  asOf,
  onChange,
}: {
  plans: AppliedPlans['plans'];
  asOf: string;
  onChange: (day: string) => void;
}) {
  const [hover, setHover] = useState<AppliedPlans['plans'][number] | null>(null);
  const dates = plans.map((p) => dayNumber(p.effective));
  const min = dates.length > 0 ? Math.min(...dates) - 60 : dayNumber(today()) - 365;
  const max = Math.max(dayNumber(today()), dates.length > 0 ? Math.max(...dates) + 60 : 0);
  const value = Math.min(max, Math.max(min, dayNumber(asOf)));
  const at = (day: number) => `${((day - min) / Math.max(1, max - min)) * 100}%`;
  const current = dayNumber(asOf);
  const previous = [...plans].reverse().find((p) => dayNumber(p.effective) < current);
  const next = plans.find((p) => dayNumber(p.effective) > current);
  return (
    <div className="slider">
      <label>
        As of{' '}
        <input
          type="date"
          aria-label="As of date"
          value={asOf}
          onChange={(e) => e.target.value && onChange(e.target.value)}
        />
      </label>
      <button type="button" disabled={!previous} onClick={() => previous && onChange(previous.effective)}>
        ◀ Previous change
      </button>
      <div className="track">
        <input
          type="range"
          aria-label="Date slider"
          aria-valuetext={asOf}
          min={min}
          max={max}
          step={1}
          value={value}
          onChange={(e) => onChange(dayOf(Number(e.target.value)))}
        />
        {plans.map((p) => (
          <button
            key={p.id}
            type="button"
            className={p.effective === asOf ? 'plan-mark current' : 'plan-mark'}
            style={{ left: at(dayNumber(p.effective)) }}
            aria-label={`${p.title} (${p.effective})`}
            onMouseEnter={() => setHover(p)}
            onMouseLeave={() => setHover(null)}
            onFocus={() => setHover(p)}
            onBlur={() => setHover(null)}
            onClick={() => onChange(p.effective)}
          />
        ))}
        {hover && (
          <div className="plan-tip" role="tooltip" style={{ left: at(dayNumber(hover.effective)) }}>
            <strong>{hover.title}</strong>
            <br />
            {hover.effective}
          </div>
        )}
      </div>
      <button type="button" disabled={!next} onClick={() => next && onChange(next.effective)}>
        Next change ▶
      </button>
      <button type="button" onClick={() => onChange(addDays(asOf, -1))} aria-label="One day earlier">
        −1 day
      </button>
      <button type="button" onClick={() => onChange(addDays(asOf, 1))} aria-label="One day later">
        +1 day
      </button>
    </div>
  );
}

function Search({ asOf, onPick }: { asOf: string; onPick: (r: SearchResults['results'][number]) => void }) {
  const [text, setText] = useState('');
  const [results, setResults] = useState<SearchResults['results']>([]);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (text.trim() === '') {
      setResults([]);
      return;
    }
    const timer = setTimeout(() => {
      api<SearchResults>('GET', `/api/search${q({ q: text.trim(), asOf })}`)
        .then((r) => {
          setResults(r.results);
          setOpen(true);
        })
        .catch(() => setResults([]));
    }, 150);
    return () => clearTimeout(timer);
  }, [text, asOf]);
  return (
    <div className="search">
      <input
        type="search"
        aria-label="Search units, people and businesses"
        placeholder="Search units, people, businesses"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && results[0]) {
            onPick(results[0]);
            setOpen(false);
          } else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && results.length > 0 && (
        <ul className="results" aria-label="Search results">
          {results.slice(0, 20).map((r) => (
            <li key={`${r.kind}:${r.id}`}>
              <button
                type="button"
                onClick={() => {
                  onPick(r);
                  setOpen(false);
                }}
              >
                <span className={`kind ${r.kind}`}>{r.kind}</span> {r.name}
                <small>{[...r.path].reverse().join(' › ')}</small>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function UnitPanel({
  unit,
  onPerson,
  update,
}: {
  unit: TreeNode;
  onPerson: (name: string) => void;
  update: (patch: Partial<UrlState>) => void;
}) {
  return (
    <section className="unit-panel">
      <h2>
        {unit.name}
        {unit.inferred && <span className="inferred" title="inferred" />}
      </h2>
      <p>
        {unit.type}
        {unit.status && ` · ${unit.status}`} · {unit.members} {unit.members === 1 ? 'person' : 'people'} ·{' '}
        {unit.children.length} child units
      </p>
      {unit.alsoUnder && unit.alsoUnder.length > 0 && (
        <p className="also-under">Also under: {unit.alsoUnder.map((u) => u.name).join(', ')}</p>
      )}
      <h3>Posts</h3>
      <ul>
        {unit.posts.map((p) => (
          <li key={p.post}>
            {p.post}:{' '}
            {p.person ? (
              <button type="button" className="link-button" onClick={() => onPerson(p.person!.name)}>
                {p.person.name}
              </button>
            ) : (
              <span className="vacant">vacant</span>
            )}
            {p.concurrent && <span className="tag">concurrent</span>}
            {p.inferred && <span className="inferred" title="inferred" />}
          </li>
        ))}
      </ul>
      {unit.businessDetails.length > 0 && (
        <>
          <h3>Businesses</h3>
          <ul>
            {unit.businessDetails.map((b) => (
              <li key={b.name} className={b.inferred ? 'inferred' : undefined}>
                {b.name}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <button type="button" onClick={() => update({ view: 'timeline', unit: unit.name })}>
          Lineage of {unit.name}
        </button>{' '}
        <button type="button" onClick={() => update({ view: 'analytics', unit: unit.name })}>
          Headcount over time
        </button>
      </p>
    </section>
  );
}

export function PersonPanel({
  name,
  asOf,
  onPerson,
}: {
  name: string;
  asOf: string;
  onPerson: (name: string) => void;
}) {
  const [person, setPerson] = useState<Person | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setError('');
    api<Person>('GET', `/api/person/${encodeURIComponent(name)}${q({ asOf })}`)
      .then(setPerson)
      .catch((e: Error) => {
        setPerson(null);
        setError(e.message);
      });
  }, [name, asOf]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!person) return <p>Loading {name}…</p>;
  const link = (who: string) => (
    <button key={who} type="button" className="link-button" onClick={() => onPerson(who)}>
      {who}
    </button>
  );
  return (
    <section className="person-panel">
      <h2>{person.name}</h2>
      <p>
        {person.title ?? 'No title'} · level {person.level ?? 'not given'} · {person.unit}
      </p>
      <h3>Posts</h3>
      <ul>
        {person.posts.map((p) => (
          <li key={`${p.unit}/${p.post}`}>
            {p.post} of {p.unit}
            {p.concurrent && <span className="tag">concurrent</span>}
          </li>
        ))}
        {person.posts.length === 0 && <li>none</li>}
      </ul>
      <p className="manager">
        Manager: {person.manager ? link(person.manager.name) : 'none (top of the organization)'}
      </p>
      <p className="chain">
        Chain to the top:{' '}
        {person.chain.length === 0
          ? 'none'
          : person.chain.map((who, i) => (
              <span key={who}>
                {i > 0 && ' → '}
                {link(who)}
              </span>
            ))}
      </p>
      {person.dottedLines.length > 0 && <p>Dotted lines to: {person.dottedLines.map((d) => link(d.name))}</p>}
      {person.directReports.length > 0 && (
        <>
          <h3>Direct reports</h3>
          <ul>
            {person.directReports.map((r) => (
              <li key={`${r.id}/${r.via}/${r.post ?? ''}`}>
                {link(r.name)}
                {r.via !== 'solid' && (
                  <span className="tag">
                    {r.via}
                    {r.post ? `: ${r.post}${r.unit ? ` of ${r.unit}` : ''}` : ''}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>History</h3>
      <table>
        <thead>
          <tr>
            <th>From</th>
            <th>To</th>
            <th>Unit / post</th>
          </tr>
        </thead>
        <tbody>
          {person.history.map((h) => (
            <tr key={`u${h.from}${h.unit}`}>
              <td>{h.from}</td>
              <td>{h.to ?? '—'}</td>
              <td>
                {h.unit}
                {h.level ? ` (${h.level})` : ''}
              </td>
            </tr>
          ))}
          {person.postHistory.map((h) => (
            <tr key={`p${h.from}${h.unit}${h.post}`}>
              <td>{h.from}</td>
              <td>{h.to ?? '—'}</td>
              <td>
                {h.post} of {h.unit}
                {h.concurrent ? ' (concurrent)' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
