import { isDay } from './dates.ts';

export type View = 'chart' | 'plans' | 'timeline' | 'analytics';
const VIEWS: readonly View[] = ['chart', 'plans', 'timeline', 'analytics'];

/** What the address bar carries, so that a view can be shared. */
export interface UrlState {
  view: View;
  asOf?: string | undefined;
  unit?: string | undefined;
  person?: string | undefined;
  plan?: string | undefined;
}

export function readUrl(search: string = window.location.search): UrlState {
  const params = new URLSearchParams(search);
  const view = params.get('view');
  const asOf = params.get('asOf');
  return {
    view: VIEWS.includes(view as View) ? (view as View) : 'chart',
    asOf: isDay(asOf) ? asOf : undefined,
    unit: params.get('unit') ?? undefined,
    person: params.get('person') ?? undefined,
    plan: params.get('plan') ?? undefined,
  };
}

export function writeUrl(state: UrlState): void {
  const params = new URLSearchParams();
  if (state.view !== 'chart') params.set('view', state.view);
  for (const key of ['asOf', 'unit', 'person', 'plan'] as const) {
    const value = state[key];
    if (value) params.set(key, value);
  }
  const search = params.toString();
  const url = `${window.location.pathname}${search ? `?${search}` : ''}`;
  if (url !== `${window.location.pathname}${window.location.search}`)
    window.history.replaceState(null, '', url);
}
