import { useEffect, useState } from 'react';
import { api, q, type Stats } from '../api.ts';
import { today } from '../dates.ts';
import type { UrlState } from '../url.ts';
import { BarChart, StepChart } from './plots.tsx';

export function AnalyticsView({
  url,
  update,
}: {
  url: UrlState;
  update: (patch: Partial<UrlState>) => void;
}) {
  const asOf = url.asOf ?? today();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState('');
  const [unitText, setUnitText] = useState(url.unit ?? '');
  useEffect(() => {
    setError('');
    api<Stats>('GET', `/api/stats${q({ asOf, unit: url.unit })}`)
      .then(setStats)
      .catch((e: Error) => setError(e.message));
  }, [asOf, url.unit]);
  return (
    <main className="analytics-view">
      <div className="toolbar">
        <label>
          As of{' '}
          <input
            type="date"
            value={asOf}
            onChange={(e) => e.target.value && update({ asOf: e.target.value })}
          />
        </label>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            update({ unit: unitText.trim() || undefined });
          }}
        >
          <label>
            Headcount over time of unit{' '}
            <input
              value={unitText}
              placeholder="whole organization"
              onChange={(e) => setUnitText(e.target.value)}
            />
          </label>{' '}
          <button type="submit">Show</button>
        </form>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {stats && (
        <>
          <p className="summary">
            {stats.people} people in {stats.units} units, {stats.layers} layers, as of {stats.asOf}.
          </p>
          <div className="plots">
            <figure>
              <figcaption>Headcount over time{url.unit ? ` — ${url.unit}` : ''}</figcaption>
              <StepChart
                data={stats.headcountOverTime}
                label={`Headcount over time${url.unit ? ` of ${url.unit}` : ''}`}
              />
            </figure>
            <figure>
              <figcaption>Span of control</figcaption>
              <BarChart
                data={stats.spanDistribution.map((s) => ({ x: s.span, y: s.managers }))}
                label="Managers by number of direct reports"
                xLabel="direct reports"
                yLabel="managers"
              />
            </figure>
            <figure>
              <figcaption>Layers</figcaption>
              <BarChart
                data={stats.layerDistribution.map((l) => ({ x: l.layer, y: l.people }))}
                label="People by layer"
                xLabel="layer"
                yLabel="people"
              />
            </figure>
          </div>
          <div className="tables">
            <table>
              <caption>Headcount per unit</caption>
              <thead>
                <tr>
                  <th>Unit</th>
                  <th>Direct</th>
                  <th>With sub-units</th>
                </tr>
              </thead>
              <tbody>
                {[...stats.headcount]
                  .sort((a, b) => b.total - a.total)
                  .slice(0, 40)
                  .map((h) => (
                    <tr key={h.path.join('/')}>
                      <td>
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => {
                            setUnitText(h.unit);
                            update({ unit: h.unit });
                          }}
                        >
                          {h.unit}
                        </button>
                      </td>
                      <td>{h.direct}</td>
                      <td>{h.total}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            <section className="flags">
              <h2>Health flags</h2>
              <Flag title="Units without a head" items={stats.flags.unitsWithoutHead} />
              <Flag title="Managers with a single report" items={stats.flags.managersWithOneReport} />
              <Flag title="Units with a single child unit" items={stats.flags.unitsWithOneChild} />
              <Flag
                title="People with many concurrent posts"
                items={stats.flags.manyPosts.map((m) => `${m.person} (${m.posts})`)}
              />
              <Flag
                title="Long chains to the top"
                items={stats.flags.longChains.map((m) => `${m.person} (${m.length})`)}
              />
            </section>
          </div>
        </>
      )}
    </main>
  );
}

function Flag({ title, items }: { title: string; items: string[] }) {
  return (
    <details open={items.length > 0 && items.length <= 10}>
      <summary>
        {title}: {items.length}
      </summary>
      <ul>
        {items.slice(0, 100).map((i) => (
          <li key={i}>{i}</li>
        ))}
      </ul>
    </details>
  );
}
