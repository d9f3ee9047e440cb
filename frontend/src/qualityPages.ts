// The Data Quality page (histograms, worst items per check, duplicate groups) and the Label
// Quality page (suspected errors with given and suggested label, corrections, confusion table).

import {
  ApiError,
  CorrectionRequest,
  CorrectionsSaved,
  DataQualityPage,
  Histogram,
  LabelIssue,
  LabelQualityPage,
  QualityRun,
  datasetUrl,
  getJson,
  postJson,
} from './api';
import { clear, el, guarded, status } from './dom';
import { itemCard } from './items';
import { forgetFields, labelField, loadInfo, state } from './state';

const spaceUrl = (rest: string) =>
  datasetUrl(state.dataset, `/spaces/${encodeURIComponent(state.space)}${rest}`);

function jumpToMap(id: string): void {
  state.focusId = id;
  location.hash = '#/map';
}

async function withQuality<T>(root: HTMLElement, load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    const run = el('button', { id: 'run-quality', text: 'Run quality checks' });
    root.append(el('div', { class: 'empty' }, el('p', { text: error.message }), run));
    run.addEventListener('click', () => void guarded(async () => {
      status('Running quality checks…');
      run.setAttribute('disabled', '');
      try {
        await postJson<QualityRun>(spaceUrl(`/quality${labelField() ? `?label=${encodeURIComponent(labelField()!)}` : ''}`));
      } finally {
        run.removeAttribute('disabled');
      }
      forgetFields();
      await loadInfo();
      status('Quality checks done');
      location.reload();
    }));
    return null;
  }
}

export async function renderQuality(root: HTMLElement): Promise<void> {
  const page = await withQuality(root, () => getJson<DataQualityPage>(spaceUrl('/quality')));
  if (!page) return;
  root.append(el('h1', { text: `Data Quality · ${state.dataset} · ${state.space}` }));
  const cards = el('div', { class: 'checks' });
  for (const check of page.checks) {
    const worst = el('div', { class: 'grid strip' });
    for (const w of check.worst.slice(0, 12)) worst.append(itemCard(w, () => jumpToMap(w.id)));
    cards.append(el('section', { class: 'check', 'data-check': check.name },
      el('h2', { text: check.name.replace(/_/g, ' ') }),
      el('p', { text: `${check.flagged.toLocaleString()} flagged of ${page.n_items.toLocaleString()}` }),
      histogram(check.histogram),
      el('h3', { text: 'Worst (click to see it on the map)' }),
      worst));
  }
  root.append(cards);
  const groups = el('section', { id: 'duplicates', class: 'check' },
    el('h2', { text: `Near-duplicate groups (${page.duplicate_groups.length})` }));
  for (const g of page.duplicate_groups.slice(0, 30)) {
    const row = el('div', { class: 'grid strip dup-group' });
    g.items.forEach((item) => row.append(itemCard(item, () => jumpToMap(item.id))));
    groups.append(el('p', { text: `group ${g.group}: ${g.ids.length} items, similarity ≥ ${g.score.toFixed(4)}` }), row);
  }
  root.append(groups);
}

function histogram(h: Histogram): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const width = 300, height = 90;
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 26}`);
  svg.setAttribute('class', 'histogram');
  const top = Math.max(...h.counts, 1);
  const barWidth = width / h.counts.length;
  const low = h.edges[0], high = h.edges[h.edges.length - 1];
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  h.counts.forEach((count, i) => {
    const barHeight = (count / top) * height;
    const bar = add('rect', { x: i * barWidth + 0.5, y: height - barHeight, width: barWidth - 1, height: barHeight });
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${h.edges[i].toPrecision(3)} to ${h.edges[i + 1].toPrecision(3)}: ${count}`;
    bar.append(title);
  });
  if (h.threshold !== null && h.threshold >= low && h.threshold <= high && high > low) {
    const x = ((h.threshold - low) / (high - low)) * width;
    add('line', { x1: x, x2: x, y1: 0, y2: height, class: 'threshold' });
  }
  add('text', { x: 0, y: height + 11 }, low.toPrecision(3));
  add('text', { x: width, y: height + 11, 'text-anchor': 'end' }, high.toPrecision(3));
  add('text', { x: width / 2, y: height + 23, 'text-anchor': 'middle' },
    h.threshold !== null ? `${h.statistic} · flag threshold ${h.threshold.toPrecision(3)}` : h.statistic);
  return svg;
}

export async function renderLabels(root: HTMLElement, offset = 0): Promise<void> {
  const page = await withQuality(root, () => getJson<LabelQualityPage>(spaceUrl(`/label-quality?offset=${offset}&limit=50`)));
  if (!page) return;
  root.append(el('h1', { text: `Label Quality · ${state.dataset} · ${state.space}` }),
    el('p', {}, `${page.flagged.toLocaleString()} suspected label errors · ${page.corrections} corrected · `,
      el('a', { id: 'export-corrections', href: datasetUrl(state.dataset, '/corrections.csv'), text: 'export corrections (CSV)' })));
  const table = el('table', { id: 'label-issues', class: 'issues' },
    el('thead', {}, el('tr', {}, ...['item', 'id', 'given', 'suggested', 'score', 'correction'].map((h) => el('th', { text: h })))));
  const body = el('tbody');
  const options = el('datalist', { id: 'classes' });
  page.classes.forEach((c) => options.append(el('option', { value: c })));
  for (const issue of page.issues) body.append(issueRow(issue));
  table.append(body);
  const pager = el('div', { class: 'pager' });
  const prev = el('button', { text: '‹ previous', disabled: offset === 0 });
  const next = el('button', { text: 'next ›', disabled: offset + 50 >= page.flagged });
  prev.addEventListener('click', () => { clear(root); void renderLabels(root, Math.max(0, offset - 50)); });
  next.addEventListener('click', () => { clear(root); void renderLabels(root, offset + 50); });
  pager.append(prev, next);
  root.append(options, table, pager, confusionTable(page), classRates(page));
}

function issueRow(issue: LabelIssue): HTMLTableRowElement {
  const suggested = String(issue.suggested ?? '');
  const current = el('span', { class: 'corrected', text: issue.corrected ?? '' });
  const accept = el('button', { class: 'accept', text: `accept “${suggested}”` });
  const input = el('input', { class: 'custom-label', list: 'classes', placeholder: 'or type a label', maxlength: 200 });
  const save = el('button', { class: 'save-label', text: 'save' });
  const record = async (label: string) => {
    try {
      const body: CorrectionRequest = { corrections: { [issue.id]: label } };
      await postJson<CorrectionsSaved>(datasetUrl(state.dataset, '/corrections'), body);
      current.textContent = label;
      forgetFields();
      status(`${issue.id}: label set to ${label}`);
    } catch (error) {
      status((error as Error).message, true);
    }
  };
  accept.addEventListener('click', () => void record(suggested));
  save.addEventListener('click', () => input.value.trim() && void record(input.value.trim()));
  const card = itemCard({ ...issue, label: null }, () => jumpToMap(issue.id));
  return el('tr', { 'data-id': issue.id },
    el('td', {}, card), el('td', { text: issue.id }), el('td', { class: 'given', text: issue.given ?? '' }),
    el('td', { class: 'suggested', text: suggested }), el('td', { text: issue.score.toFixed(4) }),
    el('td', {}, current, accept, input, save));
}

function confusionTable(page: LabelQualityPage): HTMLElement {
  const suggested = [...new Set(Object.values(page.confusion).flatMap((r) => Object.keys(r)))].sort();
  const table = el('table', { id: 'confusion', class: 'confusion' },
    el('caption', { text: 'Flagged items: given label (rows) vs suggested label (columns)' }),
    el('tr', {}, el('th', { text: 'given \\ suggested' }), ...suggested.map((s) => el('th', { text: s }))));
  for (const [given, row] of Object.entries(page.confusion).sort()) {
    table.append(el('tr', {}, el('th', { text: given }), ...suggested.map((s) => el('td', { text: row[s] ? String(row[s]) : '' }))));
  }
  return table;
}

function classRates(page: LabelQualityPage): HTMLElement {
  const table = el('table', { id: 'class-rates', class: 'confusion' },
    el('caption', { text: 'Suspected errors per class' }),
    el('tr', {}, ...['label', 'items', 'suspected', 'rate'].map((h) => el('th', { text: h }))));
  for (const c of page.per_class) {
    table.append(el('tr', {}, el('td', { text: c.label }), el('td', { text: c.items.toLocaleString() }),
      el('td', { text: String(c.issues) }), el('td', { text: `${(100 * c.rate).toFixed(1)}%` })));
  }
  return table;
}
