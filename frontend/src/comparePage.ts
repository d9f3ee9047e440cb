// Compare: two spaces of one dataset side by side with linked selection, and a colouring by
// how much each item's neighbours agree between them.

import { Comparison, datasetUrl, postJson, projection } from './api';
import { $, el, guarded, status } from './dom';
import { ChangesList } from './changesList';
import { ScatterView } from './scatter';
import { field, forgetFields, labelField, loadInfo, state } from './state';

export async function renderCompare(root: HTMLElement): Promise<void> {
  const spaces = (state.info?.spaces ?? []).filter((s) => s.status === 'complete' && s.projections.some((p) => p.endsWith('-2d')));
  if (spaces.length < 2) {
    root.append(el('p', { class: 'empty', text: 'Compare needs two spaces of this dataset with a 2-D map each (embedlab embed, then embedlab project).' }));
    return;
  }
  const left = spaces.some((s) => s.name === state.space) ? state.space : spaces[0].name;
  const right = spaces.find((s) => s.name !== left)!.name;
  const selects = [left, right].map((chosen, i) => {
    const select = el('select', { id: `compare-${i}` });
    spaces.forEach((s) => select.append(el('option', { value: s.name, text: s.name })));
    select.value = chosen;
    return select;
  });
  const agreement = el('button', { id: 'agreement', text: 'Colour by neighbour agreement' });
  const info = el('span', { id: 'compare-info' });
  const boxes = [el('div', { class: 'map half' }), el('div', { class: 'map half' })];
  const views: ScatterView[] = [];
  const changes = new ChangesList({
    spaces: () => [selects[0].value, selects[1].value],
    views: () => views,
    openOnMap: (space, id) => {
      state.space = space;
      ($('#space') as HTMLSelectElement).value = space;
      state.focusId = id;
      location.hash = '#/map';
    },
  });
  root.append(el('div', { class: 'toolbar' }, 'left ', selects[0], ' right ', selects[1], agreement, info),
    el('div', { class: 'compare with-changes' }, ...boxes, changes.node));
  const draw = async (colourField: string | null) => {
    views.forEach((v) => v.destroy());
    views.length = 0; // none until both are drawn: a click meanwhile selects nothing
    window.__embedlab.compareViews = [];
    const made: ScatterView[] = [];
    const colours = colourField ? await field(colourField) : null;
    for (const [i, select] of selects.entries()) {
      const space = spaces.find((s) => s.name === select.value)!;
      const key = space.projections.find((p) => p.startsWith('umap') && p.endsWith('-2d')) ?? space.projections.find((p) => p.endsWith('-2d'))!;
      const coords = await projection(state.dataset, space.name, key.split('-')[0], 2);
      const view = new ScatterView(boxes[i], coords.length / 2 > 200_000);
      view.colour(colours?.legend ?? null);
      await view.draw(coords, 2, colours?.values, colours?.legend.kind);
      view.setMode('lasso');
      made.push(view);
    }
    views.push(...made);
    views.forEach((view, i) => view.onSelect((rows) => {
      views[1 - i].select(rows, true);
      info.textContent = `${rows.length.toLocaleString()} selected in ${selects[i].value}, shown in both`;
    }));
    window.__embedlab.compareViews = [...views];
  };
  selects.forEach((s) => s.addEventListener('change', () => void guarded(async () => {
    changes.reset();
    await draw(labelField());
    await changes.load();
  })));
  agreement.addEventListener('click', () => void guarded(async () => {
    status('Comparing neighbours…');
    changes.reset();
    const result = await postJson<Comparison>(
      datasetUrl(state.dataset, `/compare?a=${encodeURIComponent(selects[0].value)}&b=${encodeURIComponent(selects[1].value)}`));
    forgetFields();
    await loadInfo();
    status(`Mean neighbour agreement (Jaccard) ${result.mean_jaccard.toFixed(3)}: dark = apart in one, together in the other`);
    await draw(result.field);
    await changes.load();
  }));
  await draw(labelField());
  await changes.load();
}
