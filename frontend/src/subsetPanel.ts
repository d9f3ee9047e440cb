// "New dataset from the selection": the selected items copied into a dataset of their own
// (POST /api/datasets/NAME/subset), which the header's dataset list then offers.

import { SubsetMade, datasetUrl, postJson } from './api';
import { el, status } from './dom';
import { state } from './state';

export function subsetForm(selection: () => Uint32Array): HTMLElement {
  const name = el('input', { id: 'subset-name', placeholder: 'new dataset name', maxlength: 64 });
  const button = el('button', { id: 'make-subset', text: 'New dataset from selection' });
  button.addEventListener('click', async () => {
    try {
      const body = { name: name.value.trim(), rows: Array.from(selection()) };
      const made = await postJson<SubsetMade>(datasetUrl(state.dataset, '/subset'), body);
      const select = document.querySelector<HTMLSelectElement>('#dataset');
      if (select && ![...select.options].some((o) => o.value === made.dataset)) {
        select.append(el('option', { value: made.dataset, text: made.dataset }));
      }
      window.__embedlab.subset = made;
      status(`Dataset '${made.dataset}' made with ${made.n_items.toLocaleString()} items; embed it with: embedlab embed ${made.dataset} --method METHOD`);
    } catch (error) {
      status((error as Error).message, true);
    }
  });
  return el('div', { class: 'row subset' }, name, button);
}
