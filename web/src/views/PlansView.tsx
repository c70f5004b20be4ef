import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ApiError,
  type AppliedPlans,
  api,
  type Check,
  type Draft,
  type Me,
  type Preview,
  type Problem,
} from '../api.ts';
import { MARK_COLOURS } from '../chart/card.ts';
import type { Mark } from '../chart/layout.ts';
import { marksOf } from '../chart/marks.ts';
import { OrgChart } from '../chart/OrgChart.tsx';
import { today } from '../dates.ts';
import { describeChange } from '../describe.ts';
import type { UrlState } from '../url.ts';
import { YamlEditor } from './YamlEditor.tsx';

const STATES = ['draft', 'proposed', 'approved', 'scheduled', 'applied', 'withdrawn'] as const;
const RANK = { viewer: 0, planner: 1, approver: 2, admin: 3 } as const;
const NEW = '__new__';

const template = () => `plan: my-plan
title: A new restructuring
effective: ${today()}
announced_by: Someone
changes:
  - create:
      unit: New Center
      type: center
      parent: Big Taobao
`;

export function PlansView({
  me,
  url,
  update,
}: {
  me: Me;
  url: UrlState;
  update: (patch: Partial<UrlState>) => void;
}) {
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [applied, setApplied] = useState<AppliedPlans['plans']>([]);
  const [source, setSource] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const selected = url.plan;
  const draft = drafts.find((d) => d.id === selected);
  const rank = RANK[me.role];

  const reload = useCallback(async () => {
    const [d, a] = await Promise.all([
      api<{ drafts: Draft[] }>('GET', '/api/drafts'),
      api<AppliedPlans>('GET', '/api/plans'),
    ]);
    setDrafts(d.drafts);
    setApplied(a.plans);
    return d.drafts;
  }, []);

  useEffect(() => {
    reload().catch((e: Error) => setMessage(e.message));
  }, [reload]);

  // The selected plan's text into the editor.
  const draftSource = draft?.source;
  useEffect(() => {
    if (selected === NEW) setSource(template());
    else if (draftSource !== undefined) setSource(draftSource);
  }, [selected, draftSource]);

  /** Another plan chosen: the last one's results go. */
  const choose = (plan: string) => {
    setProblems([]);
    setMessage('');
    setPreview(null);
    update({ plan });
  };

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setMessage('');
    try {
      await what();
    } catch (e) {
      if (e instanceof ApiError) {
        setProblems(e.problems);
        setMessage(e.message);
      } else setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    run(async () => {
      const saved =
        selected === NEW || !draft
          ? await api<Draft>('POST', '/api/drafts', { source })
          : await api<Draft>('PUT', `/api/drafts/${encodeURIComponent(draft.id)}`, { source });
      setProblems([]);
      await reload();
      update({ plan: saved.id });
      setMessage(`Saved ${saved.id}.`);
    });

  const check = () =>
    run(async () => {
      if (!draft) return;
      if (draft.source !== source)
        await api('PUT', `/api/drafts/${encodeURIComponent(draft.id)}`, { source });
      const result = await api<Check>('POST', `/api/drafts/${encodeURIComponent(draft.id)}/check`);
      setProblems(result.problems);
      setMessage(
        result.ok ? 'The plan can be applied: no problems found.' : `${result.problems.length} problem(s).`,
      );
    });

  const showImpact = () =>
    run(async () => {
      if (!draft) return;
      setPreview(await api<Preview>('POST', `/api/drafts/${encodeURIComponent(draft.id)}/preview`));
    });

  const step = (action: string) =>
    run(async () => {
      if (!draft) return;
      const result = await api<Draft>('POST', `/api/drafts/${encodeURIComponent(draft.id)}/${action}`);
      await reload();
      setMessage(`${result.id} is now ${result.state}.`);
    });

  const actions = useMemo(() => {
    if (!draft) return [];
    const list: Array<{ action: string; label: string }> = [];
    if (rank >= 1 && draft.state === 'draft') list.push({ action: 'propose', label: 'Propose' });
    if (rank >= 2 && draft.state === 'proposed') list.push({ action: 'approve', label: 'Approve' });
    if (rank >= 2 && draft.state === 'approved') {
      list.push({ action: 'apply', label: 'Apply now' });
      list.push({ action: 'schedule', label: 'Schedule for its date' });
    }
    if (rank >= 1 && ['draft', 'proposed', 'approved', 'scheduled'].includes(draft.state))
      list.push({ action: 'withdraw', label: 'Withdraw' });
    return list;
  }, [draft, rank]);

  const editable = selected === NEW || draft?.state === 'draft' || draft?.state === 'proposed';

  return (
    <main className="plans-view">
      <nav className="plan-list" aria-label="Plans">
        {rank >= 1 && (
          <button type="button" onClick={() => choose(NEW)}>
            New plan
          </button>
        )}
        {STATES.map((state) => {
          const inState = drafts.filter((d) => d.state === state);
          if (inState.length === 0) return null;
          return (
            <section key={state}>
              <h2>
                {state} ({inState.length})
              </h2>
              <ul>
                {inState.map((d) => (
                  <li key={d.id}>
                    <button
                      type="button"
                      className={d.id === selected ? 'link-button current' : 'link-button'}
                      onClick={() => choose(d.id)}
                    >
                      {d.title}
                    </button>
                    <small>
                      {' '}
                      {d.effective} · {d.author}
                    </small>
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
        <section>
          <h2>Applied history ({applied.length})</h2>
          <ul>
            {applied.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => update({ view: 'chart', asOf: p.effective, plan: undefined })}
                >
                  {p.title}
                </button>
                <small> {p.effective}</small>
              </li>
            ))}
          </ul>
        </section>
      </nav>
      <section className="plan-detail" aria-label="Plan">
        {selected === NEW || draft ? (
          <>
            <h2>{selected === NEW ? 'New plan' : `${draft!.title} (${draft!.state})`}</h2>
            <YamlEditor value={source} onChange={setSource} problems={problems} readOnly={!editable} />
            <div className="actions">
              {editable && (
                <button type="button" disabled={busy} onClick={save}>
                  Save
                </button>
              )}
              {draft && (
                <button type="button" disabled={busy} onClick={check}>
                  Check
                </button>
              )}
              {draft && draft.state !== 'applied' && (
                <button type="button" disabled={busy} onClick={showImpact}>
                  Impact
                </button>
              )}
              {actions.map((a) => (
                <button key={a.action} type="button" disabled={busy} onClick={() => step(a.action)}>
                  {a.label}
                </button>
              ))}
            </div>
            <p className="message" role="status">
              {message}
            </p>
            {preview && <ImpactView preview={preview} />}
          </>
        ) : (
          <p className="hint">
            Choose a plan, or start a new one. Plans not yet applied are seen by their authors and approvers
            only.
          </p>
        )}
      </section>
    </main>
  );
}

function ImpactView({ preview }: { preview: Preview }) {
  const { impact } = preview;
  const marks = useMemo(() => marksOf(impact.unitChanges), [impact]);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    section.current?.scrollIntoView({ block: 'start' });
  }, []);
  const none = new Set<string>();
  return (
    <section className="impact" aria-label="Impact" ref={section}>
      <h3>Impact on {preview.date}</h3>
      <p className="impact-summary">
        Layers: {impact.layers.before} → {impact.layers.after}. {impact.managerChanges.length} people get a
        new manager; {impact.unitChanges.length} unit changes.
      </p>
      <ul className="unit-changes">
        {impact.unitChanges.map((c) => (
          <li key={describeChange(c)}>{describeChange(c)}</li>
        ))}
      </ul>
      <div className="legend">
        {(Object.keys(MARK_COLOURS) as Mark[]).map((m) => (
          <span key={m} className="legend-item">
            <span className="swatch" style={{ borderColor: MARK_COLOURS[m] }} /> {m}
          </span>
        ))}
      </div>
      <div className="before-after">
        <figure>
          <figcaption>Before</figcaption>
          {preview.before.root && (
            <OrgChart
              tree={preview.before}
              collapsed={none}
              marks={marks.before}
              label="Before the plan"
              fitOnChange
            />
          )}
        </figure>
        <figure>
          <figcaption>After</figcaption>
          {preview.after.root && (
            <OrgChart
              tree={preview.after}
              collapsed={none}
              marks={marks.after}
              label="After the plan"
              fitOnChange
            />
          )}
        </figure>
      </div>
      {impact.managerChanges.length > 0 && (
        <table className="manager-changes">
          <caption>New managers</caption>
          <thead>
            <tr>
              <th>Person</th>
              <th>From</th>
              <th>To</th>
            </tr>
          </thead>
          <tbody>
            {impact.managerChanges.map((m) => (
              <tr key={m.person}>
                <td>{m.person}</td>
                <td>{m.from ?? '—'}</td>
                <td>{m.to ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ul className="impact-lists">
        {impact.spans.map((s) => (
          <li key={`s${s.person}`}>
            Span of {s.person}: {s.before} → {s.after}
          </li>
        ))}
        {impact.headcount.map((h) => (
          <li key={`h${h.unit}`}>
            Headcount of {h.unit}: {h.before} → {h.after}
          </li>
        ))}
        {impact.businesses.map((b) => (
          <li key={`b${b.business}`}>
            {b.business}: {b.from ?? 'new'} → {b.to ?? 'retired'}
          </li>
        ))}
        {impact.posts.map((p) => (
          <li key={`p${p.unit}${p.post}`}>
            {p.post} of {p.unit}: {p.from ?? 'vacant'} → {p.to ?? 'vacant'}
          </li>
        ))}
        {impact.withoutHead.map((w) => (
          <li key={`w${w.person}`} className="warning">
            {w.person} moves to {w.unit} with no head above
          </li>
        ))}
      </ul>
    </section>
  );
}
