// Which estate the dashboard shows and its configuration: the user's own estate if the account is
// bound to one, else the last one picked here, else the demo `garden`, else the first listed.
import { useEffect, useState } from 'react';
import type { EstateDetail, EstateSummary, UserInfo } from '../../../protocol/api.ts';
import { getEstate, listEstates } from './api.ts';

const STORAGE_KEY = 'smart-estate.estate';
export const DEFAULT_ESTATE = 'garden';

export function pickEstate(estates: readonly EstateSummary[], user: UserInfo, chosen: string | null): string | null {
  const ids = estates.map((e) => e.id);
  if (user.estate && ids.includes(user.estate)) return user.estate;
  if (chosen && ids.includes(chosen)) return chosen;
  if (ids.includes(DEFAULT_ESTATE)) return DEFAULT_ESTATE;
  return ids[0] ?? null;
}

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; error: string };

function remembered(): string | null {
  try {
    // a drill-down from the district screen (/?estate=ID) names the estate in the URL
    const fromUrl = new URLSearchParams(location.search).get('estate');
    if (fromUrl) return fromUrl;
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function useEstateList(): Loadable<EstateSummary[]> {
  const [state, setState] = useState<Loadable<EstateSummary[]>>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    listEstates(abort.signal).then(
      (value) => setState({ status: 'ready', value }),
      (err: Error) => !abort.signal.aborted && setState({ status: 'failed', error: err.message }),
    );
    return () => abort.abort();
  }, []);
  return state;
}

export function useEstateChoice(estates: readonly EstateSummary[], user: UserInfo): [string | null, (id: string) => void] {
  const [chosen, setChosen] = useState<string | null>(remembered);
  const choose = (id: string) => {
    setChosen(id);
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      // not remembered across reloads; still switched
    }
  };
  return [pickEstate(estates, user, chosen), choose];
}

export function useEstateDetail(estate: string | null): Loadable<EstateDetail> | null {
  const [state, setState] = useState<{ estate: string; value: Loadable<EstateDetail> } | null>(null);
  useEffect(() => {
    if (!estate) return;
    const abort = new AbortController();
    setState({ estate, value: { status: 'loading' } });
    getEstate(estate, abort.signal).then(
      (value) => setState({ estate, value: { status: 'ready', value } }),
      (err: Error) => !abort.signal.aborted && setState({ estate, value: { status: 'failed', error: err.message } }),
    );
    return () => abort.abort();
  }, [estate]);
  if (!estate) return null;
  return state && state.estate === estate ? state.value : { status: 'loading' };
}
