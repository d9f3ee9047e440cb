// Compare: the items whose neighbourhoods changed most between the two spaces, most changed
// first. Clicking one shows it on both maps with the neighbours it lost (left) and gained
// (right), and their cards; "open on the map" goes to the Map page with the item open.

import { ApiError, ItemSummary, Schemas, SelectionPage, datasetUrl, getJson, postRows } from './api';
import { clear, el, guarded, status } from './dom';
import { itemCard } from './items';
import { ScatterView } from './scatter';
import { state } from './state';

type Changes = Schemas['NeighbourhoodChanges'];
type Changed = Schemas['ChangedItem'];

const LIMIT = 50;

export interface ChangesHooks {
  spaces: () => [string, string];
  views: () => ScatterView[];
  openOnMap: (space: string, id: string) => void;
}

export class ChangesList {
  readonly node = el('aside', { id: 'changes', class: 'side changes' });
  private loaded: Changes | null = null;

  constructor(private hooks: ChangesHooks) {}

  /** Empty until the next `load` (the spaces or their graphs are changing). */
  reset(): void {
    clear(this.node);
    this.loaded = null;
  }

  /** Fetch the list for the chosen spaces; without stored graphs, say how to make them. */
  async load(): Promise<void> {
    const [a, b] = this.hooks.spaces();
    this.reset();
    const query = `/compare/changes?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&limit=${LIMIT}`;
    try {
      this.loaded = await getJson<Changes>(datasetUrl(state.dataset, query));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      this.node.append(el('p', { class: 'hint', id: 'changes-hint',
        text: 'Colour by neighbour agreement first: it stores the neighbour graphs this list of the most changed neighbourhoods is made from.' }));
      return;
    }
    if (this.hooks.spaces().join('\u0000') !== [a, b].join('\u0000')) return; // spaces changed meanwhile
    this.render(this.loaded);
  }

  private render(changes: Changes): void {
    const list = el('ol', { id: 'changes-list', class: 'changes-list' });
    for (const item of changes.items) {
      const entry = el('li', { class: 'change', 'data-id': item.id, 'data-row': item.row, tabindex: 0 },
        el('span', { class: 'id', text: item.id }),
        el('span', { class: 'score', text: `Jaccard ${item.jaccard.toFixed(2)}` }),
        el('span', { class: 'delta', text: `+${item.gained.length} −${item.lost.length}` }));
      const pick = () => void guarded(() => this.pick(item, entry));
      entry.addEventListener('click', pick);
      entry.addEventListener('keydown', (e) => e.key === 'Enter' && pick());
      list.append(entry);
    }
    const [a, b] = changes.spaces;
    this.node.append(
      el('h2', { text: 'Most changed neighbourhoods' }),
      el('p', { class: 'hint', text: `Of ${changes.k} neighbours in ${a}, how many stay in ${b}; lowest first. Click one to see it on both maps.` }),
      list, el('div', { id: 'change-details' }));
    window.__embedlab.changes = changes.items.length;
  }

  /** Show one item on both maps: left with the neighbours it lost, right with those it gained. */
  private async pick(item: Changed, entry: HTMLElement): Promise<void> {
    this.node.querySelectorAll('.change.active').forEach((n) => n.classList.remove('active'));
    entry.classList.add('active');
    const [left, right] = this.hooks.views();
    const shown = [[item.row, ...item.lost_rows], [item.row, ...item.gained_rows]];
    for (const [i, view] of [left, right].entries()) {
      view?.select(shown[i], true);
      view?.zoomTo(shown[i]);
    }
    window.__embedlab.changePicked = { id: item.id, left: shown[0], right: shown[1] };
    const rows = Uint32Array.from(new Set([item.row, ...item.lost_rows, ...item.gained_rows]));
    const page = await postRows<SelectionPage>(datasetUrl(state.dataset, `/selection?limit=${rows.length}`), rows);
    const cards = new Map(page.items.map((card) => [card.row, card]));
    const details = this.node.querySelector('#change-details')!;
    clear(details);
    const [a, b] = this.hooks.spaces();
    const open = el('button', { id: 'open-on-map', text: `open ${item.id} on the map of ${a}` });
    open.addEventListener('click', () => this.hooks.openOnMap(a, item.id));
    details.append(open, grid('Item', [item.row], cards),
      grid(`Lost: near in ${a}, not in ${b}`, item.lost_rows, cards, 'lost'),
      grid(`Gained: near in ${b}, not in ${a}`, item.gained_rows, cards, 'gained'));
    status(`${item.id}: kept ${(this.loaded?.k ?? 0) - item.lost.length} of its ${this.loaded?.k} neighbours, lost ${item.lost.length}, gained ${item.gained.length}`);
  }
}

function grid(title: string, rows: number[], cards: Map<number, ItemSummary>, kind = 'item'): HTMLElement {
  const node = el('div', { class: `grid neighbours ${kind}` });
  for (const row of rows) {
    const card = cards.get(row);
    if (card) node.append(itemCard(card));
  }
  return el('section', { class: `change-${kind}` }, el('h3', { text: `${title} (${rows.length})` }), node);
}
