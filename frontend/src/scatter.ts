// A WebGL scatter of one projection (regl-scatterplot): colours from a field, box or lasso
// selection, hover. Points arrive in [-1, 1] already (the server scales them).

import createScatterplot from 'regl-scatterplot';
import { Legend } from './api';
import { PALETTE, RAMP } from './dom';
import { LassoOverlay, affineFromThree, screenToPointMap } from './lassoOverlay';
import { LevelOfDetail } from './lod';

export type Mode = 'panZoom' | 'lasso' | 'box';
type Scatterplot = ReturnType<typeof createScatterplot>;
type Three = Parameters<typeof affineFromThree>[0];
const UNIT: Three = [[0, 0], [1, 0], [0, 1]];
// Points outside a selection or filter: one neutral grey, fainter than the selected points, which
// keep their colour and are drawn after them (on top). Only the colour texture changes (the grey
// is the base colour of every code, the field's colours the "active" one), so switching costs the
// same at 1M points as at 100.
export const GREY = '#707070';
const GREY_OPACITY = 0.4; // on big maps 0.1: a million faint points still add up to solid grey
const NO_FIELD = '#7aa6d8';
const CLICK_SLOP_PX = 4; // a pointer that moves less than this while pressed clicks, not drags
const CLICK_RADIUS_PX = 6; // a click this close to a point is on the point, not on an empty spot

export class ScatterView {
  readonly canvas: HTMLCanvasElement;
  readonly plot: Scatterplot;
  readonly lasso: LassoOverlay;
  count = 0;
  readonly lod: LevelOfDetail;
  private detachLod: () => void;
  private x = new Float32Array(0);
  private y = new Float32Array(0);
  private rows: number[] | null | undefined; // the anchor rows (undefined: not found yet)
  private colours: string[] = [NO_FIELD]; // the colour field's colours, per code or ramp stop
  private colourBy: 'valueA' | null = null;
  private filtered = false; // a selection or filter is on: every point outside it is grey
  private positions = 0; // bumped by every draw of new positions
  private indexedAt = -1; // the positions the plot's spatial index is of
  private readonly opacity: number;
  private readonly greyOpacity: number;

  constructor(container: HTMLElement, large: boolean) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'scatter';
    container.append(this.canvas);
    const { width, height } = container.getBoundingClientRect();
    this.opacity = large ? 0.6 : 0.85;
    this.greyOpacity = large ? 0.1 : GREY_OPACITY;
    this.plot = createScatterplot({
      canvas: this.canvas,
      width: Math.max(width, 100),
      height: Math.max(height, 100),
      pointSize: large ? 2 : 4,
      pointSizeSelected: 2, // selected points 2 px larger than the others, with no outline ring
      pointOutlineWidth: 0,
      opacity: this.opacity,
      backgroundColor: '#111418',
      pointColor: NO_FIELD,
      pointColorActive: NO_FIELD,
      pointColorHover: NO_FIELD,
      opacityInactiveMax: this.greyOpacity, // with a selection, the other points stay visible, grey
      lassoColor: '#ffd166',
      performanceMode: large,
      lassoMinDelay: 5,
      lassoMinDist: 2,
    });
    this.lasso = new LassoOverlay(container, {
      canvas: this.canvas,
      screenToPoint: (px, py) => this.screenToPoint(px, py),
      select: (vertices) => void this.plot.lassoSelect(vertices, { isGl: true }),
    });
    this.lod = new LevelOfDetail(this.plot as never, this.canvas, 0, () => this.anchors());
    this.detachLod = this.lod.attach(container, (e) => this.lasso.shape === null && !e.shiftKey);
    this.plot.subscribe('select', () => this.shade(true)); // a lasso, a box or a click
    this.plot.subscribe('deselect', () => this.shade(false));
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
    const chosen = this.anchorRows();
    const screen = chosen && this.anchors();
    if (!chosen || !screen) return null;
    return screenToPointMap(chosen.map((r) => this.position(r)) as Three, screen);
  }

  /** Point coordinates under a screen position (canvas pixels), through the camera's
   * affine map seen on three drawn points far apart. */
  screenToPoint(px: number, py: number): [number, number] | null {
    const chosen = this.anchorRows();
    const screen = chosen && this.anchors();
    if (!chosen || !screen) return null;
    return screenToPointMap(screen, chosen.map((r) => this.position(r)) as Three)?.(px, py) ?? null;
  }

  /** The screen positions of the three anchor points under the current camera. */
  private anchors(): Three | null {
    const rows = this.anchorRows();
    const screen = rows?.map((r) => this.screenPosition(r));
    return screen && screen.every(Boolean) ? (screen as Three) : null;
  }

  /** Three points far apart and not on one line (leftmost, rightmost, then the highest or the
   * lowest), found once per map; null for fewer than three points or all on one line. */
  private anchorRows(): number[] | null {
    if (this.rows !== undefined) return this.rows;
    this.rows = null;
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
      if (affineFromThree(chosen.map((r) => this.position(r)) as Three, UNIT)) return (this.rows = chosen);
    }
    return null;
  }

  async draw(coords: Float32Array, dims: number, values?: Uint16Array | Uint32Array | Float32Array, kind?: string) {
    await this.settled();
    this.count = coords.length / dims;
    this.rows = undefined;
    this.x = new Float32Array(this.count);
    this.y = new Float32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      this.x[i] = coords[i * dims];
      this.y[i] = coords[i * dims + 1];
    }
    this.lod.setCount(this.count);
    this.positions += 1; // new positions: the spatial index is built again
    // The points fill [-1, 1]^2; a canvas taller than wide would cut off the sides unless
    // the camera frames that square. Framed before the points are drawn, so that the first
    // frame draws them once (framed after, a million points took a second frame to redraw).
    const framed = this.plot.zoomToArea({ x: -1, y: -1, width: 2, height: 2 }, { transition: false } as never);
    await this.redraw(values, kind);
    await framed;
  }

  /** Every point drawn at the current camera (not a moved snapshot of an earlier frame). */
  async settled(): Promise<void> {
    await this.lod.settle();
  }

  /** Call `handler` in every frame the scatter presents, moving or not, once the camera's screen
   * positions are final (overlays placed here stay in step with the points); returns the
   * unsubscribe. */
  onFrame(handler: () => void): () => void {
    const subscription = this.plot.subscribe('drawing', handler);
    return () => this.plot.unsubscribe(subscription as never);
  }

  async redraw(values?: Uint16Array | Uint32Array | Float32Array, kind?: string) {
    await this.settled();
    const points: { x: Float32Array; y: Float32Array; valueA?: Float32Array } = { x: this.x, y: this.y };
    if (values) points.valueA = Float32Array.from(values);
    // the same positions in other colours: the k-d tree of the last draw serves (a million
    // points' tree is built again in a worker otherwise)
    const positions = this.positions;
    const spatialIndex = this.indexedAt === positions ? this.plot.get('spatialIndex' as never) : undefined;
    await this.plot.draw(points as never, {
      zDataType: kind === 'number' ? 'continuous' : 'categorical',
      ...(spatialIndex ? { spatialIndex } : {}),
    } as never);
    // a draw of other positions that began meanwhile builds its own tree
    if (this.positions === positions) this.indexedAt = positions;
  }

  colour(legend: Legend | null) {
    this.colourBy = legend ? 'valueA' : null;
    if (!legend) this.colours = [NO_FIELD];
    else if (legend.kind === 'category') {
      const colours = legend.categories.map((_, i) => PALETTE[i % PALETTE.length]);
      this.colours = colours.length ? colours : [NO_FIELD];
    } else this.colours = RAMP;
    this.applyColours();
  }

  /** Whether points outside the selection are grey now (a selection or a filter is on). */
  get greyed(): boolean {
    return this.filtered;
  }

  /** Grey every point outside the selection (`on`), or give every point its colour again. */
  private shade(on: boolean): void {
    if (on === this.filtered) return;
    this.filtered = on;
    this.applyColours();
  }

  private applyColours(): void {
    const colours = this.colours;
    // with a filter that nothing passes there is no selection, so the plot's own fading of
    // unselected points is off: fade them here
    const empty = this.filtered && this.plot.get('selectedPoints').length === 0;
    this.plot.set({
      colorBy: this.colourBy,
      pointColor: this.filtered ? colours.map(() => GREY) : colours,
      pointColorActive: colours,
      pointColorHover: colours,
      opacity: empty ? this.greyOpacity : this.opacity,
    } as never);
  }

  setMode(mode: Mode) {
    // the scatter always pans and zooms; lasso and box are drawn on the overlay (a set()
    // redraws every point, so only when it changes)
    if (this.plot.get('mouseMode' as never) !== 'panZoom') this.plot.set({ mouseMode: 'panZoom' } as never);
    this.lasso.shape = mode === 'panZoom' ? null : mode;
  }

  onSelect(handler: (rows: Uint32Array) => void) {
    this.plot.subscribe('select', ({ points }: { points: number[] }) => handler(Uint32Array.from(points)));
    this.plot.subscribe('deselect', () => handler(new Uint32Array(0)));
  }

  /** Call `handler` on a click on an empty spot of the map (no point within CLICK_RADIUS_PX, no
   * drag between press and release), in every mode; returns the unsubscribe. */
  onEmptyClick(handler: () => void): () => void {
    const container = this.canvas.parentElement!;
    let pressed: [number, number] | null = null; // where the button went down (null: not down)
    let moved = false; // the pointer went further than a click's slop since (a lasso, a pan)
    const down = (e: PointerEvent) => {
      pressed = e.button === 0 ? [e.clientX, e.clientY] : null;
      moved = false;
    };
    const move = (e: PointerEvent) => {
      if (pressed && Math.hypot(e.clientX - pressed[0], e.clientY - pressed[1]) >= CLICK_SLOP_PX) moved = true;
    };
    const click = (e: MouseEvent) => {
      const still = pressed !== null && !moved;
      pressed = null;
      if (!still || !(e.target instanceof HTMLCanvasElement)) return;
      const rect = this.canvas.getBoundingClientRect();
      if (!this.pointNear(e.clientX - rect.left, e.clientY - rect.top, CLICK_RADIUS_PX)) handler();
    };
    // capture: the lasso overlay stops mouse events from reaching the scatter in lasso and box
    // modes; the pointer is followed on the window (a lasso may leave the map and come back)
    container.addEventListener('pointerdown', down, true);
    window.addEventListener('pointermove', move, true);
    container.addEventListener('click', click, true);
    return () => {
      container.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointermove', move, true);
      container.removeEventListener('click', click, true);
    };
  }

  /** Whether a point lies within `radius` pixels of canvas pixel (px, py): one pass over the
   * points, made once per click (not per frame). */
  pointNear(px: number, py: number, radius: number): boolean {
    const at = this.screenToPoint(px, py);
    const aside = this.screenToPoint(px + radius, py);
    if (!at || !aside) return false;
    const r2 = (aside[0] - at[0]) ** 2 + (aside[1] - at[1]) ** 2;
    const { x, y } = this;
    for (let i = 0; i < this.count; i++) {
      const dx = x[i] - at[0];
      if (dx * dx <= r2 && dx * dx + (y[i] - at[1]) ** 2 <= r2) return true;
    }
    return false;
  }

  onHover(over: (row: number) => void, out: () => void) {
    this.plot.subscribe('pointOver', over);
    this.plot.subscribe('pointOut', out);
  }

  select(rows: ArrayLike<number>, silent = true) {
    this.plot.select(Array.from(rows), { preventEvent: silent });
    this.shade(rows.length > 0);
  }

  /** Show `rows` in colour on top and every other point grey, without a select event; null:
   * no filter, every point in its colour (an empty array: a filter nothing passes, all grey). */
  highlight(rows: Uint32Array | null): void {
    if (rows?.length) this.plot.select(Array.from(rows), { preventEvent: true });
    else this.plot.deselect({ preventEvent: true } as never);
    this.filtered = rows !== null;
    this.applyColours(); // also when `filtered` stays: an empty filter fades by the opacity
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
    this.detachLod();
    this.lod.detach();
    this.lasso.destroy();
    this.plot.destroy();
    this.canvas.remove();
  }
}
