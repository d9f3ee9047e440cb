// A WebGL scatter of one projection (regl-scatterplot): colours from a field, box or lasso
// selection, hover. Points arrive in [-1, 1] already (the server scales them).

import createScatterplot from 'regl-scatterplot';
import { Legend } from './api';
import { PALETTE, RAMP } from './dom';
import { LassoOverlay, screenToPointMap } from './lassoOverlay';
import { LevelOfDetail } from './lod';

export type Mode = 'panZoom' | 'lasso' | 'box';
type Scatterplot = ReturnType<typeof createScatterplot>;

export class ScatterView {
  readonly canvas: HTMLCanvasElement;
  readonly plot: Scatterplot;
  readonly lasso: LassoOverlay;
  count = 0;
  lod: LevelOfDetail | null = null;
  private detachLod: (() => void) | null = null;
  private x = new Float32Array(0);
  private y = new Float32Array(0);

  constructor(container: HTMLElement, large: boolean) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'scatter';
    container.append(this.canvas);
    const { width, height } = container.getBoundingClientRect();
    this.plot = createScatterplot({
      canvas: this.canvas,
      width: Math.max(width, 100),
      height: Math.max(height, 100),
      pointSize: large ? 2 : 4,
      pointSizeSelected: 2,
      opacity: large ? 0.6 : 0.85,
      backgroundColor: '#111418',
      pointColorActive: '#ffffff',
      opacityInactiveMax: 0.25, // with a selection, the other points stay visible, dimmed
      lassoColor: '#ffd166',
      performanceMode: large,
      lassoMinDelay: 5,
      lassoMinDist: 2,
    });
    this.lasso = new LassoOverlay(container, {
      canvas: this.canvas,
      screenToPoint: (px, py) => this.screenToPoint(px, py),
      select: (vertices) => void this.settled().then(() => this.plot.lassoSelect(vertices, { isGl: true })),
    });
  }

  /** The map coordinates of every point (the arrays are replaced, not changed, by draw). */
  points(): { x: Float32Array; y: Float32Array } {
    return { x: this.x, y: this.y };
  }

  /** A see-through background, for layers drawn under the points. */
  transparentBackground(on: boolean): void {
    this.plot.set({ backgroundColor: on ? [0, 0, 0, 0] : '#111418' } as never);
  }

  /** The map coordinates of the point at `row`. */
  position(row: number): [number, number] {
    return [this.x[row], this.y[row]];
  }

  /** The camera's map from point coordinates to canvas pixels (null before three points). */
  pointToScreen(): ((x: number, y: number) => [number, number]) | null {
    if (this.count < 3) return null;
    const rows = [0, 0, 0];
    for (let i = 1; i < this.count; i++) {
      if (this.x[i] < this.x[rows[0]]) rows[0] = i;
      if (this.x[i] > this.x[rows[1]]) rows[1] = i;
      if (this.y[i] > this.y[rows[2]]) rows[2] = i;
    }
    const screen = rows.map((r) => this.screenPosition(r));
    if (screen.some((p) => !p)) return null;
    type Three = [[number, number], [number, number], [number, number]];
    return screenToPointMap(rows.map((r) => [this.x[r], this.y[r]]) as Three, screen as Three);
  }

  /** Point coordinates under a screen position (canvas pixels), through the camera's
   * affine map seen on three drawn points far apart. */
  screenToPoint(px: number, py: number): [number, number] | null {
    if (this.count < 3) return null;
    const rows = [0, 0, 0, 0];
    for (let i = 1; i < this.count; i++) {
      if (this.x[i] < this.x[rows[0]]) rows[0] = i;
      if (this.x[i] > this.x[rows[1]]) rows[1] = i;
      if (this.y[i] > this.y[rows[2]]) rows[2] = i;
      if (this.y[i] < this.y[rows[3]]) rows[3] = i;
    }
    for (const third of [rows[2], rows[3]]) {
      const chosen = [rows[0], rows[1], third];
      const screen = chosen.map((r) => this.screenPosition(r));
      if (screen.some((p) => !p)) return null;
      const map = screenToPointMap(
        screen as [[number, number], [number, number], [number, number]],
        chosen.map((r) => [this.x[r], this.y[r]]) as [[number, number], [number, number], [number, number]],
      );
      if (map) return map(px, py);
    }
    return null;
  }

  async draw(coords: Float32Array, dims: number, values?: Uint16Array | Uint32Array | Float32Array, kind?: string) {
    this.count = coords.length / dims;
    this.x = new Float32Array(this.count);
    this.y = new Float32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      this.x[i] = coords[i * dims];
      this.y[i] = coords[i * dims + 1];
    }
    this.detachLod?.();
    await this.lod?.settle();
    this.lod = null;
    await this.redraw(values, kind);
    // The points fill [-1, 1]^2; a canvas taller than wide would cut off the sides unless
    // the camera frames that square.
    await this.plot.zoomToArea({ x: -1, y: -1, width: 2, height: 2 }, { transition: false } as never);
    this.lod = new LevelOfDetail(this.plot as never, this.count);
    this.detachLod = this.lod.attach(this.canvas.parentElement!, (e) => this.lasso.shape === null && !e.shiftKey);
  }

  /** Every point drawn (not the moving camera's sample): selections must see all of them. */
  async settled(): Promise<void> {
    await this.lod?.settle();
  }

  async redraw(values?: Uint16Array | Uint32Array | Float32Array, kind?: string) {
    await this.settled();
    const points: { x: Float32Array; y: Float32Array; valueA?: Float32Array } = { x: this.x, y: this.y };
    if (values) points.valueA = Float32Array.from(values);
    await this.plot.draw(points as never, {
      zDataType: kind === 'number' ? 'continuous' : 'categorical',
    } as never);
  }

  colour(legend: Legend | null) {
    if (!legend) {
      this.plot.set({ colorBy: null, pointColor: '#7aa6d8' } as never);
    } else if (legend.kind === 'category') {
      const colours = legend.categories.map((_, i) => PALETTE[i % PALETTE.length]);
      this.plot.set({ colorBy: 'valueA', pointColor: colours.length ? colours : ['#7aa6d8'] } as never);
    } else {
      this.plot.set({ colorBy: 'valueA', pointColor: RAMP } as never);
    }
  }

  setMode(mode: Mode) {
    // the scatter always pans and zooms; lasso and box are drawn on the overlay
    this.plot.set({ mouseMode: 'panZoom' } as never);
    this.lasso.shape = mode === 'panZoom' ? null : mode;
  }

  onSelect(handler: (rows: Uint32Array) => void) {
    this.plot.subscribe('select', ({ points }: { points: number[] }) => handler(Uint32Array.from(points)));
    this.plot.subscribe('deselect', () => handler(new Uint32Array(0)));
  }

  onHover(over: (row: number) => void, out: () => void) {
    this.plot.subscribe('pointOver', over);
    this.plot.subscribe('pointOut', out);
  }

  select(rows: ArrayLike<number>, silent = true) {
    if (silent && this.lod?.keepSelection(Array.from(rows))) return; // shown once the camera rests
    this.plot.select(Array.from(rows), { preventEvent: silent });
  }

  zoomTo(rows: ArrayLike<number>) {
    if (rows.length) this.plot.zoomToPoints(Array.from(rows), { transition: true, padding: 0.4 } as never);
  }

  screenPosition(row: number): [number, number] | undefined {
    return this.plot.getScreenPosition(row) as [number, number] | undefined;
  }

  resize(width: number, height: number) {
    this.plot.set({ width, height } as never);
  }

  destroy() {
    this.detachLod?.();
    this.lasso.destroy();
    this.plot.destroy();
    this.canvas.remove();
  }
}
