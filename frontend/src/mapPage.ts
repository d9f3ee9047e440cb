// The Map page: a projection of the space, coloured by any field, with box/lasso selection,
// a paged grid of the selected items with counts per label, item details with neighbours,
// search, CSV export and named tags.

import {
  ClustersMade,
  GraphNeighbours,
  ItemSummary,
  ItemDetails,
  Legend,
  Neighbour,
  SearchResult,
  SelectionPage,
  TagRequest,
  TagSaved,
  datasetUrl,
  getJson,
  postJson,
  postRows,
  projection,
} from './api';
import { $, clear, el, categoryColour, guarded, RAMP, status } from './dom';
import { itemCard } from './items';
import { recommendForm } from './recommendPanel';
import { Mode, ScatterView } from './scatter';
import { field, fields, forgetFields, labelField, loadInfo, state } from './state';
import { DensityLayer } from './density';
import { EdgeLayer } from './graphEdges';
import { LinkedCharts } from './histograms';
import { RegionLabels } from './regionLabels';
import { trustControls } from './trust';
import { subsetForm } from './subsetPanel';
import { noteSelection, noteView, restoreSelection, viewBrushes, viewMap } from './viewUrl';

const PAGE = 60;

interface MapModel {
  view: ScatterView | null;
  selection: Uint32Array; // the items passing every filter: what the map, the grid and the charts show
  offset: number;
  projectionKey: string;
  edges?: EdgeLayer;
  charts?: LinkedCharts;
  listSelection: boolean; // a new selection is listed in the grid (false: its source lists it)
  beforeItem: Uint32Array | null; // the selection before an item's details replaced it
  detach?: () => void; // the map page's listeners outside the map (Escape)
}

export const mapModel: MapModel = {
  view: null, selection: new Uint32Array(0), offset: 0, projectionKey: '', listSelection: true, beforeItem: null,
};

interface Chosen {
  drawn?: boolean; // the map shows it already (its own lasso, box or click)
  grid?: boolean; // list it in the grid (false: the caller lists it its own way)
}

/** Every selection, whatever made it (a lasso, a box, a click, search hits, an item and its
 * neighbours, a graph node's links, a user's picks and history), becomes the one selection state
 * the charts filter: the map, the grid and the charts then show the same items. */
export function selectRows(rows: ArrayLike<number>, { drawn = false, grid = true }: Chosen = {}): void {
  // the map's own selection comes unique and typed already (no copy of a 1M-point lasso)
  const chosen = drawn ? (rows instanceof Uint32Array ? rows : Uint32Array.from(rows))
    : Uint32Array.from(new Set(Array.from(rows)));
  noteSelection(chosen);
  if (!drawn) mapModel.view?.select(chosen, true);
  mapModel.listSelection = grid;
  try {
    mapModel.charts?.setLasso(chosen);
  } finally {
    mapModel.listSelection = true;
  }
}

/** Clear the selection and every chart's brush (Escape, a click into the void), and both
 * from the URL: every item shows again, in its colour. */
export function clearSelection(): void {
  mapModel.beforeItem = null;
  noteSelection([]);
  mapModel.charts?.clearAll();
}

declare global {
  interface Window {
    __embedlab: Record<string, unknown>;
  }
}

export async function renderMap(root: HTMLElement): Promise<void> {
  const started = performance.now();
  hoverCache.clear();  // labels may have been corrected since
  const info = state.info!;
  const space = info.spaces.find((s) => s.name === state.space);
  const projections = (space?.projections ?? []).filter((p) => p.endsWith('-2d'));
  const projectionSelect = el('select', { id: 'projection' });
  for (const p of projections) projectionSelect.append(el('option', { value: p, text: p }));
  const colourSelect = el('select', { id: 'colour' }, el('option', { value: '', text: '(none)' }));
  for (const f of fields()) colourSelect.append(el('option', { value: f.name, text: f.name }));
  const modes = el('span', { class: 'modes' });
  for (const [mode, text] of [['panZoom', 'Pan'], ['lasso', 'Lasso'], ['box', 'Box']] as const) {
    const button = el('button', { 'data-mode': mode, text });
    button.addEventListener('click', () => setMode(mode));
    modes.append(button);
  }
  const searchBox = el('input', { id: 'search', type: 'search', placeholder: 'Search (text, or id with "id:")' });
  const searchForm = el('form', { id: 'search-form' }, searchBox, el('button', { type: 'submit', text: 'Search' }));
  const clusterButton = el('button', { id: 'cluster', text: 'Cluster', title: 'k-means on the space, then colour by cluster' });
  const colourBy = (name: string) => {
    if (![...colourSelect.options].some((o) => o.value === name)) colourSelect.append(el('option', { value: name, text: name }));
    colourSelect.value = name;
    colourSelect.dispatchEvent(new Event('change'));
  };
  const trust = trustControls(() => projectionSelect.value, colourBy);
  const mapBox = el('div', { id: 'map', class: 'map' });
  const regions = new RegionLabels(mapBox, () => mapModel.view, () => projectionSelect.value);
  mapModel.edges = new EdgeLayer(mapBox, () => mapModel.view);
  const density = new DensityLayer(mapBox, () => mapModel.view);
  const toolbar = el('div', { class: 'toolbar' },
    el('label', {}, 'map ', projectionSelect), el('label', {}, 'colour ', colourSelect), clusterButton,
    trust.node, regions.toggle, density.toggle, modes, searchForm);
  const legend = el('div', { id: 'legend', class: 'legend' });
  const tooltip = el('div', { id: 'tooltip', class: 'tooltip', hidden: true });
  const side = el('aside', { id: 'side', class: 'side' });
  let nextOffset = 0; // the grid's page for the next filter shown (one restored from the URL)
  const charts = new LinkedCharts({  // the items passing the brushes and the lasso: map and grid
    show: (rows, drawn) => {
      if (!drawn) mapModel.view?.highlight(rows);
      mapModel.selection = rows ?? new Uint32Array(0);
      mapModel.offset = nextOffset;
      nextOffset = 0;
      window.__embedlab.selection = mapModel.selection;
      if (mapModel.listSelection) void showSelection(side);
    },
    brushes: (encoded) => noteView({ brush: encoded }),
    clear: () => clearSelection(),
  });
  mapModel.charts = charts;
  root.append(el('div', { class: 'map-page' }, el('section', { class: 'map-column' }, toolbar, mapBox, legend, charts.node, tooltip), side));
  const recommend = recommendForm(side, {  // ratings: a user's picks and history on the map
    select: (rows) => { selectRows(rows, { grid: false }); mapModel.view?.zoomTo(rows); },
    open: (id) => void showItem(side, id),
  });
  if (recommend) toolbar.append(recommend);
  renderSelection(side, null);

  if (!projections.length) {
    mapBox.append(el('div', { class: 'empty' },
      el('p', { text: `Space '${state.space}' has no 2-D projection yet.` }),
      el('button', { id: 'make-projection', text: 'Make a PCA map now' })));
    $('#make-projection').addEventListener('click', () => void guarded(async () => {
      status('Projecting…');
      await postJson(datasetUrl(state.dataset, `/spaces/${encodeURIComponent(state.space)}/projection?method=pca&dims=2`));
      await loadInfo();
      clear(root);
      await renderMap(root);
    }));
    return;
  }
  const preferred = viewMap(projections) ?? projections.find((p) => p.startsWith('umap')) ?? projections[0];
  projectionSelect.value = preferred;
  const [method] = preferred.split('-');
  const colourName = state.colourField ?? labelField() ?? '';
  colourSelect.value = colourName;
  noteView({ dataset: state.dataset, space: state.space, map: preferred, colour: colourName || null });
  const [coords, coloured] = await Promise.all([  // both requests at once
    projection(state.dataset, state.space, method, 2),
    colourName ? field(colourName) : Promise.resolve(null),
  ]);
  const n = coords.length / 2;
  mapModel.edges?.hide();
  mapModel.view?.destroy();
  const view = new ScatterView(mapBox, n > 200_000);
  mapModel.view = view;
  window.__embedlab.scatter = view;
  mapModel.projectionKey = `${state.dataset}/${state.space}/${preferred}`;
  view.colour(coloured?.legend ?? null);
  listenForClearing(view, mapBox);
  setMode('lasso');  // both before the points: a setting changed after them redraws a million
  await view.draw(coords, 2, coloured?.values, coloured?.legend.kind);
  renderLegend(legend, coloured?.legend ?? null);
  trust.refresh();
  window.__embedlab.firstFrameMs = performance.now() - started;
  status(`${n.toLocaleString()} items · ${state.space} · ${preferred}`);

  view.onSelect((rows) => selectRows(rows, { drawn: true }));  // a lasso, a box, a click
  view.onHover((row) => {  // none while the camera moves (the scatter still hovers under a drag)
    hovered = row;
    if (!view.lod.stats.moving) void showTooltip(tooltip, row);
  }, () => {
    hovered = -1;
    tooltip.hidden = true;
  });
  mapBox.addEventListener('mousemove', (e) => {
    tooltip.style.left = `${e.offsetX + 16}px`;
    tooltip.style.top = `${e.offsetY + 50}px`;
  });

  projectionSelect.addEventListener('change', async () => {
    const [m] = projectionSelect.value.split('-');
    noteView({ map: projectionSelect.value });
    const c = await projection(state.dataset, state.space, m, 2);
    const current = state.colourField ? await field(state.colourField) : null;
    await view.draw(c, 2, current?.values, current?.legend.kind);
    trust.refresh();
    await regions.reset();
    density.reset();
  });
  colourSelect.addEventListener('change', async () => {
    state.colourField = colourSelect.value || null;
    noteView({ colour: state.colourField });
    const chosen = state.colourField ? await field(state.colourField) : null;
    view.colour(chosen?.legend ?? null);
    await view.redraw(chosen?.values, chosen?.legend.kind);
    renderLegend(legend, chosen?.legend ?? null);
  });
  clusterButton.addEventListener('click', () => void guarded(async () => {
    status('Clustering…');
    const made = await postJson<ClustersMade>(
      datasetUrl(state.dataset, `/spaces/${encodeURIComponent(state.space)}/clusters`));
    forgetFields();
    await loadInfo();
    colourBy(made.field);
    status(`${made.n_clusters} clusters`);
  }));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void runSearch(side, searchBox.value.trim());
  });
  await charts.start();
  await charts.restoreBrushes(viewBrushes()); // the URL's brushes
  if (state.focusId) {
    const id = state.focusId;
    state.focusId = null;
    await showItem(side, id);
  }
  await restoreSelection(state.dataset, view, async (rows, offset) => {  // the URL's selection
    nextOffset = offset;
    charts.setLasso(rows);
  });
  window.__embedlab.mapReady = true;
  // the item index for the first selection, built now that the map no longer waits on the server
  void postJson(datasetUrl(state.dataset, '/warm')).catch(() => undefined);
}

/** Escape (outside a text box) and a click on an empty spot of the map clear the selection and
 * every brush. The scatter's own Escape (it would clear only its selection) is off. */
function listenForClearing(view: ScatterView, mapBox: HTMLElement): void {
  mapModel.detach?.();
  view.plot.set({ deselectOnEscape: false } as never);
  const key = (e: KeyboardEvent) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement
      || e.target instanceof HTMLSelectElement;
    if (e.key === 'Escape' && !typing && mapBox.isConnected && mapModel.view === view) clearSelection();
  };
  document.addEventListener('keydown', key);
  const unclick = view.onEmptyClick(() => clearSelection());
  mapModel.detach = () => {
    document.removeEventListener('keydown', key);
    unclick();
  };
}

function setMode(mode: Mode): void {
  mapModel.view?.setMode(mode);
  document.querySelectorAll('.modes button').forEach((b) =>
    b.classList.toggle('active', (b as HTMLElement).dataset.mode === mode));
}

function renderLegend(node: HTMLElement, legend: Legend | null): void {
  clear(node);
  if (!legend) return;
  node.append(el('strong', { text: legend.name }));
  if (legend.kind === 'category') {
    legend.categories.forEach((name, i) =>
      node.append(el('span', { class: 'key' },
        el('i', { style: `background:${categoryColour(i)}` }), `${name} (${legend.counts[i].toLocaleString()})`)));
  } else {
    const ramp = `linear-gradient(90deg, ${RAMP.join(',')})`;
    node.append(el('span', { class: 'key' }, `${legend.min?.toPrecision(3)}`,
      el('i', { class: 'ramp', style: `background:${ramp}` }), `${legend.max?.toPrecision(3)}`));
  }
}

const hoverCache = new Map<string, ItemSummary>();  // dataset/row -> card; cleared with the map
let hovered = -1; // the row under the mouse now (-1: none)

async function showTooltip(node: HTMLElement, row: number): Promise<void> {
  const key = `${state.dataset}/${row}`;
  let item = hoverCache.get(key);
  if (!item) {
    const page = await postRows<SelectionPage>(datasetUrl(state.dataset, '/selection?limit=1'), Uint32Array.of(row));
    item = page.items[0];
    hoverCache.set(key, item);
  }
  if (hovered !== row || mapModel.view?.lod.stats.moving) return; // left it, or moving, meanwhile
  clear(node);
  node.append(itemCard(item));
  node.hidden = false;
}

function renderSelection(side: HTMLElement, page: SelectionPage | null): void {
  clear(side);
  if (!page || page.total === 0) {
    side.append(el('p', { class: 'hint', text: 'Draw a lasso or a box on the map to see the items inside. Shift+drag lassoes in Pan mode too. Escape, or a click on an empty spot of the map, clears the selection and every brush.' }));
    return;
  }
  const counts = el('ul', { class: 'counts' });
  for (const c of page.counts) counts.append(el('li', {}, el('span', { text: c.label }), el('b', { text: c.count.toLocaleString() })));
  const tagName = el('input', { id: 'tag-name', placeholder: 'tag name', maxlength: 64 });
  const tagButton = el('button', { id: 'save-tag', text: 'Save as tag' });
  const exportButton = el('button', { id: 'export-selection', text: 'Export ids (CSV)' });
  const grid = el('div', { id: 'grid', class: 'grid' });
  for (const item of page.items) grid.append(itemCard(item, (it) => void showItem(side, it.id)));
  const pager = el('div', { class: 'pager' });
  const prev = el('button', { id: 'prev-page', text: '‹ previous', disabled: page.offset === 0 });
  const next = el('button', { id: 'next-page', text: 'next ›', disabled: page.offset + PAGE >= page.total });
  prev.addEventListener('click', () => { mapModel.offset = Math.max(0, mapModel.offset - PAGE); noteView({ offset: mapModel.offset || null }); void showSelection(side); });
  next.addEventListener('click', () => { mapModel.offset += PAGE; noteView({ offset: mapModel.offset }); void showSelection(side); });
  pager.append(prev, el('span', { text: `${page.offset + 1}–${Math.min(page.offset + PAGE, page.total)} of ${page.total.toLocaleString()}` }), next);
  side.append(
    el('h2', { id: 'selection-count', 'data-total': page.total, text: `${page.total.toLocaleString()} selected` }),
    counts,
    el('div', { class: 'row' }, exportButton, tagName, tagButton),
    subsetForm(() => mapModel.selection),
    grid,
    pager,
  );
  exportButton.addEventListener('click', () => void guarded(async () => {
    const text = await postRows<string>(datasetUrl(state.dataset, '/selection/ids.csv'), mapModel.selection, true);
    download(`${state.dataset}-selection.csv`, text);
  }));
  tagButton.addEventListener('click', async () => {
    try {
      const body: TagRequest = { tag: tagName.value.trim(), rows: Array.from(mapModel.selection) };
      const result = await postJson<TagSaved>(datasetUrl(state.dataset, '/tags'), body);
      const field = `tag:${tagName.value.trim()}`;
      const colour = document.querySelector<HTMLSelectElement>('#colour');
      if (colour && ![...colour.options].some((o) => o.value === field)) {
        colour.append(el('option', { value: field, text: field }));
      }
      forgetFields();
      noteView({ tag: tagName.value.trim(), sel: null });
      status(`Tagged ${result.tagged} items as '${tagName.value.trim()}' (colour the map by ${field})`);
    } catch (error) {
      status((error as Error).message, true);
    }
  });
}

export async function showSelection(side: HTMLElement): Promise<void> {
  const started = performance.now();
  const rows = mapModel.selection;
  if (!rows.length) {
    renderSelection(side, null);
    return;
  }
  const page = await postRows<SelectionPage>(
    datasetUrl(state.dataset, `/selection?offset=${mapModel.offset}&limit=${PAGE}`), rows);
  if (rows !== mapModel.selection) return; // a newer selection arrived meanwhile
  renderSelection(side, page);
  window.__embedlab.gridMs = performance.now() - started;
  window.__embedlab.gridShownAt = performance.now();
}

async function showItem(side: HTMLElement, id: string): Promise<void> {
  mapModel.edges?.hide();
  // back goes to the selection the first item was opened from, not to the last item's neighbours
  if (!side.querySelector('#item-title')) mapModel.beforeItem = mapModel.charts?.lassoRows() ?? null;
  const item = await getJson<ItemDetails>(datasetUrl(state.dataset, `/item?id=${encodeURIComponent(id)}`));
  const neighbours = await getJson<Neighbour[]>(
    datasetUrl(state.dataset, `/item/neighbors?id=${encodeURIComponent(id)}&space=${encodeURIComponent(state.space)}&k=12`));
  const details = el('dl', { class: 'details' });
  for (const [key, value] of Object.entries(item.values)) {
    details.append(el('dt', { text: key }), el('dd', { text: value === null ? '' : String(value) }));
  }
  if (item.corrected_label) details.append(el('dt', { text: 'corrected label' }), el('dd', { text: item.corrected_label }));
  for (const [key, values] of Object.entries(item.derived)) {
    const shown = Object.entries(values).filter(([, v]) => v !== null).slice(0, 8)
      .map(([k, v]) => `${k}: ${typeof v === 'number' ? Number(v).toPrecision(3) : String(v)}`).join(' · ');
    details.append(el('dt', { text: key }), el('dd', { text: shown }));
  }
  const grid = el('div', { class: 'grid neighbours' });
  for (const n of neighbours) grid.append(itemCard(n, (it) => void showItem(side, it.id)));
  const back = el('button', { id: 'back-to-selection', text: '‹ back to selection' });
  back.addEventListener('click', () => {
    const before = mapModel.beforeItem ?? new Uint32Array(0);
    mapModel.beforeItem = null;
    selectRows(before);
  });
  const shown = (column: string | null) => {
    const value = column ? item.values[column] : null;
    return value === null || value === undefined ? null : String(value);
  };
  const card = itemCard({ row: item.row, id: item.id, label: shown(item.label_column),
    text: shown(item.text_column), image: item.image });
  card.classList.add('large');
  clear(side);
  side.append(back, el('h2', { id: 'item-title', text: `Item ${id}` }), card, details,
    el('h3', { text: `Nearest in ${state.space}` }), grid);
  const highlighted = [item.row, ...neighbours.map((n) => n.row)];
  if (state.info?.meta.kind === 'graph') side.append(...await graphNeighbours(side, item));
  selectRows(highlighted, { grid: false }); // the charts count the item and its neighbours
  mapModel.view?.zoomTo(highlighted);
}

// A graph node's edges beside its embedding neighbours: how far the map keeps linked nodes
// together. The button selects the node and its linked nodes on the map, like a lasso.
async function graphNeighbours(side: HTMLElement, item: ItemDetails): Promise<HTMLElement[]> {
  const linked = await getJson<GraphNeighbours>(
    datasetUrl(state.dataset, `/item/graph-neighbors?id=${encodeURIComponent(item.id)}&limit=100`));
  const grid = el('div', { id: 'graph-neighbours', class: 'grid neighbours' });
  for (const n of linked.neighbours) grid.append(itemCard(n, (it) => void showItem(side, it.id)));
  const show = el('button', { id: 'show-graph-neighbours', text: 'select these on the map' });
  show.addEventListener('click', () => {
    const rows = [item.row, ...linked.neighbours.map((n) => n.row)];
    selectRows(rows); // as a lasso would: the grid lists them with label counts
    mapModel.view?.zoomTo(rows);
  });
  const draw = el('button', { id: 'draw-graph-edges', text: 'draw its edges' });
  draw.addEventListener('click', () => {
    const edges = mapModel.edges;
    if (!edges) return;
    if (edges.shown) edges.hide();
    else edges.show(item.row, linked.neighbours.map((n) => n.row));
    draw.textContent = edges.shown ? 'hide its edges' : 'draw its edges';
  });
  const shown = linked.degree > linked.neighbours.length ? ` (first ${linked.neighbours.length})` : '';
  return [el('h3', { text: `Linked by an edge: ${linked.degree}${shown}` }), show, draw, grid];
}

async function runSearch(side: HTMLElement, query: string): Promise<void> {
  if (!query) return;
  const byId = query.startsWith('id:');
  const q = byId ? query.slice(3).trim() : query;
  try {
    const result = await getJson<SearchResult>(
      datasetUrl(state.dataset, `/spaces/${encodeURIComponent(state.space)}/search?q=${encodeURIComponent(q)}&by=${byId ? 'id' : 'text'}&k=50`));
    const grid = el('div', { id: 'search-results', class: 'grid' });
    for (const hit of result.hits) {
      const label = hit.label === null ? null : String(hit.label);
      const card = { ...hit, label, image: Boolean(state.info?.meta.image_column) };
      grid.append(itemCard(card, (it) => void showItem(side, it.id)));
    }
    clear(side);
    side.append(el('h2', { text: `${result.hits.length} results for “${q}”` }),
      result.space !== state.space ? el('p', { class: 'hint', text: `searched through space '${result.space}'` }) : '',
      grid);
    const rows = result.hits.map((h) => h.row);
    window.__embedlab.searchRows = rows;
    selectRows(rows, { grid: false }); // the charts count the hits (within any brush)
  } catch (error) {
    status((error as Error).message, true);
  }
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
