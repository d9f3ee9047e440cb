// The app shell: header (dataset, space, pages), hash routing, error display.

import { DatasetInfo, DatasetSummary, getJson } from './api';
import { $, clear, el, status } from './dom';
import { renderCompare } from './comparePage';
import { renderMap } from './mapPage';
import { renderLabels, renderQuality } from './qualityPages';
import { fields, loadInfo, state } from './state';
import { initialView, noteSource } from './viewUrl';
import { render3d } from './view3d';
import './style.css';

window.__embedlab = { mapReady: false };

const PAGES: Record<string, (root: HTMLElement) => Promise<void>> = {
  map: renderMap,
  quality: renderQuality,
  labels: renderLabels,
  compare: renderCompare,
  '3d': render3d,
};

function page(): string {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return name in PAGES ? name : 'map';
}

async function route(): Promise<void> {
  const root = $('#page');
  clear(root);
  const name = page();
  document.querySelectorAll('nav a').forEach((a) =>
    a.classList.toggle('active', (a as HTMLElement).dataset.page === name));
  if (!state.dataset) {
    root.append(el('div', { class: 'empty' }, el('h1', { text: 'No datasets yet' }),
      el('p', { text: 'Add one: embedlab ingest NAME SOURCE, embedlab embed NAME --method METHOD, embedlab project NAME SPACE.' })));
    return;
  }
  if (!state.space) {
    root.append(el('p', { class: 'empty', text: `Dataset '${state.dataset}' has no space yet: embedlab embed ${state.dataset} --method METHOD.` }));
    return;
  }
  try {
    await PAGES[name](root);
    window.__embedlab.page = name;
  } catch (error) {
    status((error as Error).message, true);
    root.append(el('p', { class: 'error', text: (error as Error).message }));
  }
}

function fillSpaces(info: DatasetInfo): void {
  const select = $('#space') as HTMLSelectElement;
  clear(select);
  const spaces = info.spaces.filter((s) => s.status === 'complete');
  spaces.forEach((s) => select.append(el('option', { value: s.name, text: `${s.name} (${s.dim}-d)` })));
  const withMap = spaces.find((s) => s.projections.length)?.name ?? spaces[0]?.name ?? '';
  state.space = spaces.some((s) => s.name === state.space) ? state.space : withMap;
  select.value = state.space;
}

async function chooseDataset(name: string): Promise<void> {
  state.dataset = name;
  state.colourField = null;
  localStorage.setItem('embedlab.dataset', name);
  fillSpaces(await loadInfo());
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  state.datasets = await getJson<DatasetSummary[]>(`/api/datasets`);
  const datasetSelect = $('#dataset') as HTMLSelectElement;
  state.datasets.forEach((d) => datasetSelect.append(el('option', { value: d.name, text: d.name })));
  const wanted = params.get('dataset') ?? localStorage.getItem('embedlab.dataset');
  const first = state.datasets.find((d) => d.name === wanted) ?? state.datasets.find((d) => d.spaces.length) ?? state.datasets[0];
  if (first) {
    datasetSelect.value = first.name;
    if (params.get('space')) state.space = params.get('space')!;
    await chooseDataset(first.name);
    const colour = initialView().colour;  // the rest of the URL's view: see viewUrl.ts
    if (colour && fields().some((f) => f.name === colour)) state.colourField = colour;
  }
  datasetSelect.addEventListener('change', async () => {
    await chooseDataset(datasetSelect.value);
    noteSource(state.dataset, state.space);
    await route();
  });
  ($('#space') as HTMLSelectElement).addEventListener('change', async (e) => {
    state.space = (e.target as HTMLSelectElement).value;
    state.colourField = null;
    noteSource(state.dataset, state.space);
    await route();
  });
  window.addEventListener('hashchange', () => void route());
  await route();
}

start().catch((error) => status((error as Error).message, true));
