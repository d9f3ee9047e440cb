// Density contours under the map's points: a binned kernel density estimate of the 2-D map
// (points counted on a GRID x GRID lattice, then a separable Gaussian blur whose width follows
// Scott's rule) drawn as iso-density lines by d3-contour. The levels are the densities whose
// regions hold 20%, 40%, 60% and 80% of the estimate's mass (highest-density regions), so they
// mean the same on any map. Contours are computed once per map in map coordinates; an SVG transform follows
// the camera, and the scatter's background turns transparent so the lines lie under the points.

import { contours } from 'd3-contour';
import { el, guarded, status } from './dom';
import { ScatterView } from './scatter';

const SVG = 'http://www.w3.org/2000/svg';
export const GRID = 256;
export const ENCLOSED = [0.2, 0.4, 0.6, 0.8];

/** Point counts per cell of [-1, 1]^2, blurred by a Gaussian of `sigma` cells. */
export function densityGrid(x: Float32Array, y: Float32Array, sigma: number): Float64Array {
  const counts = new Float64Array(GRID * GRID);
  for (let i = 0; i < x.length; i++) {
    const cx = Math.min(GRID - 1, Math.max(0, Math.floor((x[i] + 1) / 2 * GRID)));
    const cy = Math.min(GRID - 1, Math.max(0, Math.floor((y[i] + 1) / 2 * GRID)));
    counts[cy * GRID + cx] += 1;
  }
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((w) => w / total);
  const blur = (src: Float64Array, step: number, stride: number): Float64Array => {
    const out = new Float64Array(src.length);
    for (let line = 0; line < GRID; line++) {
      for (let at = 0; at < GRID; at++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const j = at + k;
          if (j >= 0 && j < GRID) sum += weights[k + radius] * src[line * stride + j * step];
        }
        out[line * stride + at * step] = sum;
      }
    }
    return out;
  };
  return blur(blur(counts, 1, GRID), GRID, 1);
}

/** Scott's rule bandwidth in cells: n^(-1/6) times the coordinates' standard deviation. */
export function bandwidthCells(x: Float32Array, y: Float32Array): number {
  const sd = (v: Float32Array) => {
    let m = 0, s = 0;
    for (const value of v) m += value;
    m /= Math.max(1, v.length);
    for (const value of v) s += (value - m) ** 2;
    return Math.sqrt(s / Math.max(1, v.length));
  };
  const h = Math.pow(Math.max(2, x.length), -1 / 6) * (sd(x) + sd(y)) / 2;
  return Math.max(0.8, h / (2 / GRID));
}

/** For each share in ENCLOSED, the density above which the cells hold that share of the mass;
 * lowest density (largest share) first, one entry per distinct density. */
export function enclosingLevels(grid: Float64Array): { level: number; share: number }[] {
  const sorted = Float64Array.from(grid).sort().reverse();
  let total = 0;
  for (const v of sorted) total += v;
  const found = new Map<number, number>();
  let cumulative = 0, next = 0;
  for (const v of sorted) {
    cumulative += v;
    while (next < ENCLOSED.length && cumulative >= ENCLOSED[next] * total) {
      if (v > 0) found.set(v, ENCLOSED[next]); // a tie keeps the largest share
      next++;
    }
    if (next === ENCLOSED.length) break;
  }
  return [...found].map(([level, share]) => ({ level, share })).sort((a, b) => a.level - b.level);
}

export class DensityLayer {
  readonly toggle: HTMLElement;
  private layer: SVGSVGElement;
  private group: SVGGElement;
  private unsubscribe: (() => void) | null = null;
  private drawnFor: Float32Array | null = null;

  constructor(private mapBox: HTMLElement, private view: () => ScatterView | null) {
    const box = el('input', { id: 'density', type: 'checkbox' }) as HTMLInputElement;
    this.toggle = el('label', { title: 'Density contours of the map (kernel density estimate)' }, box, ' density');
    this.layer = document.createElementNS(SVG, 'svg');
    this.layer.id = 'density-layer';
    this.layer.classList.add('density-layer');
    this.layer.style.display = 'none';
    this.group = document.createElementNS(SVG, 'g');
    this.layer.append(this.group);
    mapBox.prepend(this.layer); // before the canvas: under the points
    box.addEventListener('change', () => void guarded(async () => (box.checked ? this.show() : this.hide())));
  }

  /** The map changed (another projection): contours are computed again if shown. */
  reset(): void {
    this.drawnFor = null;
    if (this.unsubscribe) this.show();
  }

  private show(): void {
    const view = this.view();
    if (!view) return;
    const { x, y } = view.points();
    if (this.drawnFor !== x) {
      const sigma = bandwidthCells(x, y);
      const grid = densityGrid(x, y, sigma);
      const levels = enclosingLevels(grid);
      const thresholds = levels.map((l) => l.level);
      const paths = contours().size([GRID, GRID]).thresholds(thresholds)(Array.from(grid)).map((shape, i) => {
        const path = document.createElementNS(SVG, 'path');
        path.setAttribute('d', shape.coordinates.map((polygon) => polygon.map((ring) =>
          `M${ring.map(([gx, gy]) => `${gx.toFixed(2)},${gy.toFixed(2)}`).join('L')}Z`).join('')).join(''));
        path.dataset.level = String(shape.value);
        path.dataset.enclosed = String(levels[i].share);
        path.style.strokeOpacity = String(0.35 + 0.5 * (i + 1) / levels.length);
        return path;
      });
      this.group.replaceChildren(...paths);
      this.drawnFor = x;
      this.layer.dataset.bandwidth = String(sigma);
      status(`density: ${paths.length} contours (bandwidth ${sigma.toFixed(1)} of ${GRID} cells)`);
    }
    view.transparentBackground(true);
    this.layer.style.display = '';
    this.unsubscribe ??= view.onFrame(() => this.place()); // in step with the points, moving too
    requestAnimationFrame(() => this.place());
  }

  private hide(): void {
    this.layer.style.display = 'none';
    const view = this.view();
    view?.transparentBackground(false);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Grid cells to canvas pixels: grid -> map coordinates ([-1, 1]) -> the camera's affine map. */
  private place(): void {
    const project = this.view()?.pointToScreen();
    if (!project) return;
    const [ox, oy] = project(0, 0);
    const [ax, ay] = project(1, 0);
    const [bx, by] = project(0, 1);
    const s = 2 / GRID;
    const ex = [ax - ox, ay - oy], ey = [bx - ox, by - oy];
    const [width, height] = [this.mapBox.clientWidth, this.mapBox.clientHeight]; // inside the border
    this.layer.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.group.setAttribute('transform',
      `matrix(${s * ex[0]} ${s * ex[1]} ${s * ey[0]} ${s * ey[1]} ${ox - ex[0] - ey[0]} ${oy - ex[1] - ey[1]})`);
  }
}
