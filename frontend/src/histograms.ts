// Linked charts beside the map: a bar chart of a category field (label, cluster, tag) or a
// histogram of a numeric one (payload column, quality score), all items in grey, the map's
// selection in colour. Clicking a bar, or dragging across bars, brushes it: the items in the
// brushed bars of every chart (and across charts: in all of them) become the map's selection,
// so the map and the grid show them; a lasso or any other selection redraws the charts.

import { Legend } from './api';
import { RAMP, categoryColour, clear, el, guarded } from './dom';
import { field, fields, labelField } from './state';

const BINS = 20; // a histogram's bins over the field's range
const MAX_BARS = 40; // a bar chart shows its most common categories

type Values = Uint16Array | Uint32Array | Float32Array;

interface Chart {
  name: string;
  legend: Legend;
  bar: Int32Array; // per item, its bar (-1: not shown, e.g. a missing number or a rare category)
  labels: string[];
  total: Uint32Array;
  brushed: Set<number>;
  node: HTMLElement;
}

export interface ChartHooks {
  /** Make `rows` the map's selection (empty: none), as a lasso would. */
  select: (rows: Uint32Array) => void;
}

export class LinkedCharts {
  readonly node = el('div', { id: 'charts', class: 'charts' });
  private charts: Chart[] = [];
  private selection: Uint32Array = new Uint32Array(0);
  private brushedSelection: Uint32Array | null = null; // what our last brush selected
  private readonly strip = el('div', { class: 'chart-strip' });

  constructor(private hooks: ChartHooks) {
    const picker = el('select', { id: 'chart-field', title: 'Chart a field beside the map' },
      el('option', { value: '', text: '+ chart' }));
    for (const f of fields()) picker.append(el('option', { value: f.name, text: f.name }));
    picker.addEventListener('change', () => void guarded(async () => {
      if (picker.value) await this.add(picker.value);
      picker.value = '';
    }));
    this.node.append(picker, this.strip);
    window.__embedlab.charts = this;
  }

  /** Chart the label field when there is one (the first thing people split a map by). */
  async start(): Promise<void> {
    const label = labelField();
    if (label) await this.add(label);
  }

  async add(name: string): Promise<void> {
    if (this.charts.some((c) => c.name === name)) return;
    const { legend, values } = await field(name);
    const [bar, labels] = legend.kind === 'number' ? binNumbers(values, legend) : topCategories(values, legend);
    const total = new Uint32Array(labels.length);
    for (let row = 0; row < bar.length; row++) if (bar[row] >= 0) total[bar[row]]++;
    const chart: Chart = { name, legend, bar, labels, total, brushed: new Set(), node: el('div', { class: 'chart', 'data-field': name }) };
    this.charts.push(chart);
    this.strip.append(chart.node);
    this.draw(chart);
  }

  /** The map's selection changed: a brush of ours keeps its bars, anything else clears them. */
  update(rows: Uint32Array): void {
    const ours = this.brushedSelection !== null && sameRows(this.brushedSelection, rows);
    if (!ours) {
      this.charts.forEach((c) => c.brushed.clear());
      this.brushedSelection = null;
    }
    this.selection = rows;
    this.charts.forEach((c) => this.draw(c));
  }

  /** Items in the brushed bars of every chart that has some. */
  brushedRows(): Uint32Array {
    const active = this.charts.filter((c) => c.brushed.size);
    if (!active.length) return new Uint32Array(0);
    const rows: number[] = [];
    const n = active[0].bar.length;
    for (let row = 0; row < n; row++) {
      if (active.every((c) => c.brushed.has(c.bar[row]))) rows.push(row);
    }
    return Uint32Array.from(rows);
  }

  private brush(chart: Chart, bars: number[], extend: boolean): void {
    const only = !extend && bars.length === 1 && chart.brushed.size === 1 && chart.brushed.has(bars[0]);
    if (!extend) chart.brushed.clear();
    if (!only) bars.forEach((b) => chart.brushed.add(b)); // clicking the one brushed bar clears it
    this.brushedSelection = this.brushedRows();
    this.hooks.select(this.brushedSelection);
    if (!this.brushedSelection.length) this.update(this.brushedSelection); // no event if nothing was selected
  }

  private draw(chart: Chart): void {
    const selected = new Uint32Array(chart.labels.length);
    for (const row of this.selection) if (chart.bar[row] >= 0) selected[chart.bar[row]]++;
    const max = Math.max(1, ...chart.total);
    const bars = el('div', { class: 'bars' });
    const close = el('button', { class: 'close', text: '×', title: 'Remove this chart' });
    close.addEventListener('click', () => {
      this.charts = this.charts.filter((c) => c !== chart);
      chart.node.remove();
      if (chart.brushed.size) this.brush(chart, [], false);
    });
    chart.labels.forEach((label, i) => {
      const colour = chart.legend.kind === 'number' ? RAMP[Math.floor((i * RAMP.length) / BINS)] : categoryColour(chart.legend.categories.indexOf(label));
      const bar = el('div', {
        class: `bar${chart.brushed.has(i) ? ' brushed' : ''}`, 'data-bar': i, 'data-total': chart.total[i], 'data-selected': selected[i],
        title: `${label}: ${chart.total[i].toLocaleString()}${this.selection.length ? ` (${selected[i].toLocaleString()} selected)` : ''}`,
      },
      el('i', { class: 'all', style: `height:${(100 * chart.total[i]) / max}%` }),
      el('i', { class: 'sel', style: `height:${(100 * selected[i]) / max}%;background:${colour}` }));
      bars.append(bar);
    });
    dragAcross(bars, (from, to, extend) => {
      const range = Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => Math.min(from, to) + k);
      this.brush(chart, range, extend);
    });
    const { min: low, max: high, missing } = chart.legend;
    const range = chart.legend.kind === 'number'
      ? `${low?.toPrecision(3)} – ${high?.toPrecision(3)}${missing ? ` · ${missing.toLocaleString()} missing, in the lowest bin` : ''}`
      : `${chart.labels.length} of ${chart.legend.categories.length}`;
    clear(chart.node);
    chart.node.append(el('div', { class: 'chart-title' }, el('strong', { text: chart.name }), el('span', { text: range }), close), bars);
  }
}

function sameRows(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  const sorted = Uint32Array.from(b).sort();
  return a.every((row, i) => row === sorted[i]);
}

/** Press on one bar, release on another (or the same): `done(from, to, extend)`. */
function dragAcross(bars: HTMLElement, done: (from: number, to: number, extend: boolean) => void): void {
  let from = -1;
  const barAt = (e: PointerEvent) => {
    const target = document.elementFromPoint(e.clientX, e.clientY)?.closest<HTMLElement>('.bar');
    return target && bars.contains(target) ? Number(target.dataset.bar) : -1;
  };
  bars.addEventListener('pointerdown', (e) => {
    from = barAt(e);
    if (from >= 0) bars.setPointerCapture(e.pointerId);
  });
  bars.addEventListener('pointerup', (e) => {
    const to = barAt(e);
    if (from >= 0) done(from, to >= 0 ? to : from, e.shiftKey || e.metaKey || e.ctrlKey);
    from = -1;
  });
}

/** Each item's bin of BINS equal bins over [0, 1] (the field's scaled range); NaN: none. */
function binNumbers(values: Values, legend: Legend): [Int32Array, string[]] {
  const bar = new Int32Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    bar[row] = Number.isFinite(v) ? Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS))) : -1;
  }
  const low = legend.min ?? 0;
  const step = ((legend.max ?? 1) - low) / BINS;
  const labels = Array.from({ length: BINS }, (_, i) => `${(low + i * step).toPrecision(3)} to ${(low + (i + 1) * step).toPrecision(3)}`);
  return [bar, labels];
}

/** Each item's bar among the MAX_BARS most common categories (most common first). */
function topCategories(values: Values, legend: Legend): [Int32Array, string[]] {
  const order = legend.categories.map((_, code) => code)
    .sort((a, b) => legend.counts[b] - legend.counts[a] || a - b).slice(0, MAX_BARS);
  const barOf = new Int32Array(legend.categories.length).fill(-1);
  order.forEach((code, i) => (barOf[code] = i));
  const bar = new Int32Array(values.length);
  for (let row = 0; row < values.length; row++) bar[row] = barOf[values[row]] ?? -1;
  return [bar, order.map((code) => legend.categories[code])];
}
