// The trust overlay of a map: per item, the share of its k neighbours in the full space that
// are still its neighbours on the map (a colour field, 0 = none kept), and the map's mean.
// The server computes it from the stored neighbour graph (POST .../trust).

import { Schemas, datasetUrl, getJson, postJson } from './api';
import { el, guarded, status } from './dom';
import { fields, forgetFields, loadInfo, state } from './state';

export type TrustSummary = Schemas['TrustSummary'];

function trustUrl(map: string): string {
  const [method, dims] = map.split('-'); // 'umap-2d' -> umap, 2
  return datasetUrl(state.dataset,
    `/spaces/${encodeURIComponent(state.space)}/trust?method=${method}&dims=${parseInt(dims, 10)}`);
}

/** The toolbar's Trust button and the badge with the map's mean trust (`refresh` shows a
 * stored one). `map()` names the shown projection ('umap-2d'); `colourBy(field)` colours the
 * map by a (new) field. */
export function trustControls(
  map: () => string, colourBy: (field: string) => void,
): { node: HTMLElement; refresh: () => void } {
  const button = el('button', {
    id: 'trust', text: 'Trust',
    title: 'Colour by how many of each item\'s neighbours in the space stay its neighbours on this map',
  });
  const badge = el('span', { id: 'trust-mean', class: 'badge', hidden: true });
  const show = (trust: TrustSummary) => {
    badge.textContent = `mean trust ${trust.mean_trust.toFixed(2)}`;
    badge.dataset.mean = String(trust.mean_trust);
    badge.title = `${trust.k} neighbours per item; median ${trust.median_trust.toFixed(2)}; ` +
      `${trust.no_neighbour_kept.toLocaleString()} keep none; a shuffled map scores ` +
      `${trust.random_map_trust.toPrecision(2)}`;
    badge.hidden = false;
  };
  button.addEventListener('click', () => void guarded(async () => {
    status('Computing trust…');
    const trust = await postJson<TrustSummary>(trustUrl(map()));
    forgetFields();
    await loadInfo();
    show(trust);
    colourBy(trust.field);
    status(`Mean trust of ${map()}: ${trust.mean_trust.toFixed(3)} (k = ${trust.k})`);
  }));
  const refresh = () => {
    badge.hidden = true;
    const stored = `trust-${state.space}-${map()}:trust`;
    if (fields().some((f) => f.name === stored)) void getJson<TrustSummary>(trustUrl(map())).then(show);
  };
  return { node: el('span', { class: 'trust' }, button, badge), refresh };
}
