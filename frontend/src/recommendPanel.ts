// Recommendations on the item map of a ratings dataset: a user id box in the toolbar (only for
// a collaborative space: als, bpr, svd); choosing a user lists their top unseen items, each
// with the seen items that explain it, and their history, and selects both on the map.

import { Schemas, datasetUrl, getJson } from './api';
import { clear, el, status } from './dom';
import { itemCard } from './items';
import { state } from './state';

type Recommendations = Schemas['Recommendations'];
const COLLABORATIVE = new Set(['als', 'bpr', 'svd']);
const HISTORY_SHOWN = 60;

export interface RecommendHooks {
  select: (rows: number[]) => void;  // highlight rows on the map (and zoom to them)
  open: (id: string) => void;  // show one item's details
}

// The toolbar form, or null where the space learns no user vectors.
export function recommendForm(side: HTMLElement, hooks: RecommendHooks): HTMLElement | null {
  const space = state.info?.spaces.find((s) => s.name === state.space);
  if (!space || !COLLABORATIVE.has(space.method ?? '')) return null;
  const box = el('input', { id: 'recommend-user', type: 'search', placeholder: 'user id' });
  const form = el('form', { id: 'recommend-form' }, box,
    el('button', { type: 'submit', text: 'Recommend' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void showRecommendations(side, box.value.trim(), hooks);
  });
  return form;
}

async function showRecommendations(side: HTMLElement, user: string, hooks: RecommendHooks): Promise<void> {
  if (!user) return;
  try {
    const result = await getJson<Recommendations>(datasetUrl(state.dataset,
      `/spaces/${encodeURIComponent(state.space)}/recommend?user=${encodeURIComponent(user)}&k=10`));
    const picks = el('div', { id: 'recommendations', class: 'grid' });
    for (const pick of result.picks) {
      const card = itemCard({ row: pick.row, id: pick.id, text: pick.text, label: pick.label,
        image: false, score: pick.score }, (it) => hooks.open(it.id));
      const because = pick.because.map((b) => `${b.text ?? b.id} (${b.value})`).join('; ');
      if (because) card.append(el('p', { class: 'hint', text: `because: ${because}` }));
      picks.append(card);
    }
    const history = el('div', { id: 'history', class: 'grid' });
    for (const seen of result.history.slice(0, HISTORY_SHOWN)) {
      history.append(itemCard({ row: seen.row, id: seen.id, text: seen.text,
        label: `rated ${seen.value}`, image: false }, (it) => hooks.open(it.id)));
    }
    clear(side);
    side.append(el('h2', { text: `Recommended for user ${result.user}` }), picks,
      el('h3', { text: `Seen (${result.history.length}), best rated first` }), history);
    const pickRows = result.picks.map((p) => p.row);
    const historyRows = result.history.map((h) => h.row);
    window.__embedlab.recommendation = { picks: pickRows, history: historyRows };
    hooks.select([...pickRows, ...historyRows]);
    status(`user ${result.user}: ${pickRows.length} picks, ${historyRows.length} seen`);
  } catch (error) {
    status((error as Error).message, true);
  }
}
