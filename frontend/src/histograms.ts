// Linked charts beside the map: a bar chart of a category field (label, cluster, tag) or a
// histogram of a numeric one (payload column, quality score), with cross-filtering. Each chart
// can hold a brush (click a bar, drag across bars, shift to add); the map and the grid show the
// items that pass every brush and the map's own selection (a lasso, a box), the others grey.
// Each chart draws its full-data bars in grey and, over them, the items passing every OTHER
// filter (crossfilter's rule: a chart's own brush does not filter it), so a brushed chart still
// shows what brushing another bar would give. Per item the charts keep only typed arrays: its
// bar per chart, each chart's items grouped by bar, and how many active filters it fails. A
// brush change visits only the items of the bars that changed side and moves the other charts'
// counts by those items (crossfilter's incremental update); a new lasso counts afresh, a few
// passes over typed arrays at 1M items. No per-item objects.

import { Legend } from './api';
import { RAMP, categoryColour, clear, el, guarded } from './dom';
import { field, fields, labelField } from './state';
import { decodeRows, encodeRows } from './viewUrl';

const BINS = 20; // a histogram's bins over the field's range
const MAX_BARS = 40; // a bar chart shows its most common categories

type Values = Uint16Array | Uint32Array | Float32Array;

interface Chart {
  name: string;
  legend: Legend;
  bar: Int32Array; // per item, its bar (-1: not shown, e.g. a missing number or a rare category)
  labels: string[];
  total: Uint32Array; // per bar, all items
  passed: Uint32Array; // per bar, the items passing every filter but this chart's brush
  brush: Uint8Array; // per bar, 1 when brushed
  brushed: number; // how many bars are brushed (0: no brush)
  order: Uint32Array; // the items grouped by bar: group g (bar g - 1; group 0: no bar) ...
  start: Uint32Array; // ... is order[start[g]] to order[start[g + 1] - 1]
  node: HTMLElement;
}

export interface ChartHooks {
  /** Show `rows`, the items passing every filter, on the map and in the grid (null: no filter
   * at all). `drawn`: the map already shows them (its own selection, no brush on top). */
  show: (rows: Uint32Array | null, drawn: boolean) => void;
  /** The brushes changed: their encoding for the view's URL (null: none). */
  brushes?: (encoded: string | null) => void;
  /** `clear all` was pressed: clear the selection and every brush (default: `clearAll`). */
  clear?: () => void;
}

export class LinkedCharts {
  readonly node = el('div', { id: 'charts', class: 'charts' });
  private charts: Chart[] = [];
  private lasso: Uint32Array | null = null; // the map's own selection (a lasso, a box, a click)
  private inLasso: Uint8Array | null = null; // per item, 1 inside it
  private fails = new Uint8Array(0); // per item, how many active filters it fails
  private readonly strip = el('div', { class: 'chart-strip' });
  private readonly clearButton = el('button', {
    id: 'clear-filters', text: 'clear all', title: 'Clear the selection and every brush (Escape)', hidden: true,
  });

  constructor(private hooks: ChartHooks) {
    const picker = el('select', { id: 'chart-field', title: 'Chart a field beside the map' },
      el('option', { value: '', text: '+ chart' }));
    for (const f of fields()) picker.append(el('option', { value: f.name, text: f.name }));
    picker.addEventListener('change', () => void guarded(async () => {
      if (picker.value) await this.add(picker.value);
      picker.value = '';
    }));
    this.clearButton.addEventListener('click', () => (this.hooks.clear ?? (() => this.clearAll()))());
    this.node.append(el('div', { class: 'chart-tools' }, picker, this.clearButton), this.strip);
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
    if (this.charts.some((c) => c.name === name)) return; // added meanwhile
    const [bar, labels] = legend.kind === 'number' ? binNumbers(values, legend) : topCategories(values, legend);
    const total = new Uint32Array(labels.length);
    for (let row = 0; row < bar.length; row++) if (bar[row] >= 0) total[bar[row]]++;
    const chart: Chart = {
      name, legend, bar, labels, total, passed: new Uint32Array(labels.length),
      brush: new Uint8Array(labels.length), brushed: 0, ...groupByBar(bar, labels.length),
      node: el('div', { class: 'chart', 'data-field': name }),
    };
    this.charts.push(chart);
    this.strip.append(chart.node);
    this.count([chart]);
    this.draw(chart);
  }

  /** The map's own selection changed (a lasso, a box, a click; empty: none): the charts count
   * within it, and the map and the grid show what of it passes the brushes. */
  setLasso(rows: Uint32Array): void {
    this.lasso = rows.length ? rows : null;
    this.inLasso = null;
    this.filter(true);
  }

  /** Clear every filter at once, the map's own selection and every chart's brush (Escape, a
   * click into the void): the map, the grid and the charts show every item again. */
  clearAll(): void {
    for (const chart of this.charts) {
      chart.brush.fill(0);
      chart.brushed = 0;
    }
    this.lasso = null;
    this.inLasso = null;
    this.filter(false);
  }

  /** The map's own selection (a lasso, ...), or null. */
  lassoRows(): Uint32Array | null {
    return this.lasso;
  }

  /** The items passing every brush and the map's own selection (null: no filter at all). */
  filteredRows(): Uint32Array | null {
    if (!this.charts.some((c) => c.brushed)) return this.lasso;
    let passing = 0;
    for (let row = 0; row < this.fails.length; row++) if (this.fails[row] === 0) passing++;
    const rows = new Uint32Array(passing);
    for (let row = 0, k = 0; row < this.fails.length; row++) if (this.fails[row] === 0) rows[k++] = row;
    return rows;
  }

  /** The brushes as text for the URL: `field:bars` joined by `~` (bars as row ranges). */
  encodeBrushes(): string | null {
    const parts = this.charts.filter((c) => c.brushed).map((c) =>
      `${encodeURIComponent(c.name)}:${encodeRows(brushedBars(c))}`);
    return parts.length ? parts.join('~') : null;
  }

  /** Brush what `encoded` names (from the URL), charting each field first; unknown fields
   * and bars are left out. Filters the map once at the end. */
  async restoreBrushes(encoded: string | undefined): Promise<void> {
    if (!encoded) return;
    const known = new Set(fields().map((f) => f.name));
    for (const part of encoded.split('~')) {
      const at = part.lastIndexOf(':');
      const name = decodeURIComponent(part.slice(0, at));
      if (at < 0 || !known.has(name)) continue;
      await this.add(name);
      const chart = this.charts.find((c) => c.name === name)!;
      for (const b of decodeRows(part.slice(at + 1), chart.labels.length)) chart.brush[b] = 1;
      chart.brushed = chart.brush.reduce((a, b) => a + b, 0);
    }
    this.filter(false);
  }

  /** Per item, 1 inside the map's own selection (null: there is none); built once per lasso. */
  private lassoMask(n: number): Uint8Array | null {
    if (!this.lasso) return null;
    if (this.inLasso?.length !== n) {
      this.inLasso = new Uint8Array(n);
      for (const row of this.lasso) if (row < n) this.inLasso[row] = 1;
    }
    return this.inLasso;
  }

  private size(): number {
    return this.charts[0]?.bar.length ?? this.fails.length;
  }

  private brush(chart: Chart, bars: number[], extend: boolean): void {
    const started = performance.now();
    const only = !extend && bars.length === 1 && chart.brushed === 1 && chart.brush[bars[0]] === 1;
    const before = passing(chart);
    if (!extend) chart.brush.fill(0);
    if (!only) bars.forEach((b) => (chart.brush[b] = 1)); // clicking the one brushed bar clears it
    chart.brushed = chart.brush.reduce((a, b) => a + b, 0);
    this.rebrush(chart, before);
    this.filter(false, started);
  }

  /** `changed`'s brush moved from `before` (per group, 1 when its items passed): update the
   * fails of the items of the groups that changed side, and the other charts' counts by them
   * (its own counts do not depend on its brush). */
  private rebrush(changed: Chart, before: Uint8Array): void {
    const after = passing(changed);
    const others = this.charts.filter((c) => c !== changed);
    const { fails } = this;
    const { order, start } = changed;
    for (let g = 0; g < after.length; g++) {
      if (after[g] === before[g]) continue;
      const step = after[g] ? -1 : 1;
      for (let k = start[g]; k < start[g + 1]; k++) {
        const row = order[k];
        const was = fails[row];
        fails[row] = was + step;
        for (const { bar, brush, brushed, passed } of others) {
          const b = bar[row];
          if (b < 0) continue;
          const own = brushed && !brush[b] ? 1 : 0; // it fails that chart's own brush
          if ((was === own) !== (was + step === own)) passed[b] += was + step === own ? 1 : -1;
        }
      }
    }
  }

  /** A filter changed: count every chart (unless `counted` since `started`), redraw them, and
   * show the passing items. */
  private filter(fromLasso: boolean, counted?: number): void {
    const started = counted ?? performance.now();
    const brushed = this.charts.some((c) => c.brushed);
    if (counted === undefined) this.count(this.charts);
    this.charts.forEach((c) => this.draw(c));
    this.clearButton.hidden = !this.lasso && !brushed;
    this.hooks.brushes?.(this.encodeBrushes());
    this.hooks.show(this.filteredRows(), fromLasso && !brushed);
    window.__embedlab.filterMs = performance.now() - started; // counts, bars and the map's colours
  }

  /** Per item, how many active filters (the lasso, each brush) it fails; then for `which`
   * charts, per bar, the items failing none but (at most) that chart's own brush. */
  private count(which: Chart[]): void {
    const n = this.size();
    const active = this.charts.filter((c) => c.brushed);
    if (this.fails.length !== n) this.fails = new Uint8Array(n);
    const fails = this.fails;
    const inLasso = this.lassoMask(n);
    if (inLasso) for (let row = 0; row < n; row++) fails[row] = 1 - inLasso[row];
    else fails.fill(0);
    for (const { bar, brush } of active) {
      for (let row = 0; row < n; row++) if (bar[row] < 0 || !brush[bar[row]]) fails[row]++;
    }
    for (const chart of which) {
      const { bar, brush, passed } = chart;
      passed.fill(0);
      if (!inLasso && !active.length) {
        passed.set(chart.total);
        continue;
      }
      const own = chart.brushed > 0;
      for (let row = 0; row < n; row++) {
        const b = bar[row];
        if (b >= 0 && (fails[row] === 0 || (own && fails[row] === 1 && !brush[b]))) passed[b]++;
      }
    }
  }

  private draw(chart: Chart): void {
    const max = Math.max(1, ...chart.total);
    const filtered = this.lasso !== null || this.charts.some((c) => c !== chart && c.brushed);
    const bars = el('div', { class: 'bars' });
    const close = el('button', { class: 'close', text: '×', title: 'Remove this chart' });
    close.addEventListener('click', () => {
      this.charts = this.charts.filter((c) => c !== chart);
      chart.node.remove();
      if (chart.brushed) this.filter(false);
    });
    const reset = el('button', { class: 'reset', text: 'clear', title: 'Clear this brush', hidden: !chart.brushed });
    reset.addEventListener('click', () => this.brush(chart, [], false));
    chart.labels.forEach((label, i) => {
      const colour = chart.legend.kind === 'number' ? RAMP[Math.floor((i * RAMP.length) / BINS)] : categoryColour(chart.legend.categories.indexOf(label));
      const out = chart.brushed > 0 && !chart.brush[i]; // outside this chart's own brush
      const bar = el('div', {
        class: `bar${chart.brush[i] ? ' brushed' : ''}${out ? ' out' : ''}`, 'data-bar': i,
        'data-total': chart.total[i], 'data-selected': chart.passed[i],
        title: `${label}: ${chart.total[i].toLocaleString()}${filtered ? ` (${chart.passed[i].toLocaleString()} pass the other filters)` : ''}`,
      },
      el('i', { class: 'all', style: `height:${(100 * chart.total[i]) / max}%` }),
      el('i', { class: 'sel', style: `height:${(100 * chart.passed[i]) / max}%${out ? '' : `;background:${colour}`}` }));
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
    chart.node.classList.toggle('has-brush', chart.brushed > 0);
    chart.node.append(el('div', { class: 'chart-title' }, el('strong', { text: chart.name }), el('span', { text: range }), reset, close), bars);
  }
}

/** Per group (bar + 1; group 0: no bar), 1 when its items pass the chart's brush (all do
 * without one). */
function passing(chart: Chart): Uint8Array {
  const pass = new Uint8Array(chart.labels.length + 1);
  if (!chart.brushed) return pass.fill(1);
  pass.set(chart.brush, 1);
  return pass;
}

/** The items grouped by bar (a counting sort): group g = bar g - 1, group 0 the items with no
 * bar; group g is order[start[g]] .. order[start[g + 1] - 1]. */
function groupByBar(bar: Int32Array, bars: number): { order: Uint32Array; start: Uint32Array } {
  const start = new Uint32Array(bars + 2);
  for (let row = 0; row < bar.length; row++) start[bar[row] + 2]++;
  for (let g = 1; g < start.length; g++) start[g] += start[g - 1];
  const next = start.slice(0, bars + 1);
  const order = new Uint32Array(bar.length);
  for (let row = 0; row < bar.length; row++) order[next[bar[row] + 1]++] = row;
  return { order, start };
}

function brushedBars(chart: Chart): number[] {
  const bars: number[] = [];
  chart.brush.forEach((on, b) => on && bars.push(b));
  return bars;
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
