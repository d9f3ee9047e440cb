// Lasso and box selection drawn on a 2-D canvas laid over the WebGL scatter.
//
// regl-scatterplot's own lasso redraws every point on every mouse move: with a million points
// and no GPU (software WebGL) that is about two frames a second. Here the outline is drawn on a
// cheap 2-D overlay while the mouse moves, and the scatter selects once, at mouse up, through
// `lassoSelect` in its point coordinates. Screen pixels map to point coordinates by the affine
// map the camera applies (fitted on three drawn points' screen positions, inverted here).

export type Shape = 'lasso' | 'box';
type Point = [number, number];

export interface LassoTarget {
  canvas: HTMLCanvasElement;
  screenToPoint(px: number, py: number): Point | null;
  select(vertices: Point[]): void;
}

const MIN_STEP_PX = 2;

export class LassoOverlay {
  readonly overlay: HTMLCanvasElement;
  shape: Shape | null = null; // null: the scatter pans and zooms (shift+drag still lassoes)
  private path: Point[] = [];
  private justSelected = false;

  constructor(private container: HTMLElement, private target: LassoTarget) {
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'lasso-overlay';
    container.append(this.overlay);
    container.addEventListener('mousedown', this.down, true);
    container.addEventListener('click', this.swallowClick, true);
  }

  destroy(): void {
    this.container.removeEventListener('mousedown', this.down, true);
    this.container.removeEventListener('click', this.swallowClick, true);
    this.overlay.remove();
  }

  private local(event: MouseEvent): Point {
    const rect = this.target.canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  private down = (event: MouseEvent): void => {
    const shape = this.shape ?? (event.shiftKey ? 'lasso' : null);
    if (shape === null || event.button !== 0) return;
    event.stopPropagation(); // the scatter must not start panning
    event.preventDefault();
    const start = this.local(event);
    this.path = [start];
    const move = (e: MouseEvent) => {
      e.stopPropagation(); // no hover on the scatter while drawing: each would redraw every point
      const point = this.local(e);
      if (shape === 'box') {
        this.path = [start, [point[0], start[1]], point, [start[0], point[1]]];
      } else {
        const last = this.path[this.path.length - 1];
        if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP_PX) this.path.push(point);
      }
      this.paint();
    };
    const up = (e: MouseEvent) => {
      window.removeEventListener('mousemove', move, true);
      window.removeEventListener('mouseup', up, true);
      move(e);
      this.finish();
    };
    // capture on the window: these run before anything under the mouse sees the event
    window.addEventListener('mousemove', move, true);
    window.addEventListener('mouseup', up, true);
  };

  private swallowClick = (event: MouseEvent): void => {
    // the click that ends a lasso must not reach the scatter (it would select one point)
    if (this.justSelected || this.shape !== null) {
      event.stopPropagation();
      this.justSelected = false;
    }
  };

  private paint(): void {
    const { width, height } = this.target.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (this.overlay.width !== Math.round(width * ratio)) this.overlay.width = Math.round(width * ratio);
    if (this.overlay.height !== Math.round(height * ratio)) this.overlay.height = Math.round(height * ratio);
    const context = this.overlay.getContext('2d');
    if (!context) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    if (this.path.length < 2) return;
    context.beginPath();
    this.path.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
    context.closePath();
    context.fillStyle = 'rgba(255, 209, 102, 0.12)';
    context.strokeStyle = '#ffd166';
    context.lineWidth = 1.5;
    context.fill();
    context.stroke();
  }

  private finish(): void {
    const path = this.path;
    this.path = [];
    this.paint();
    if (path.length < 3) return;
    const vertices = path.map(([x, y]) => this.target.screenToPoint(x, y));
    if (vertices.some((v) => v === null)) return;
    this.justSelected = true;
    this.target.select(vertices as Point[]);
  }
}

/** The affine map from screen pixels to point coordinates, from three points seen on both
 * sides: solves [sx sy 1] M = [x y] (Cramer's rule); null when the three are collinear. */
export function screenToPointMap(
  screen: [Point, Point, Point],
  points: [Point, Point, Point],
): ((px: number, py: number) => Point) | null {
  const m = affineFromThree(screen, points);
  if (!m) return null;
  const [a, b, c, d, e, f] = m;
  return (px, py) => [a * px + c * py + e, b * px + d * py + f];
}

/** The affine map taking three points `from` to three points `to`, as the six numbers of a CSS
 * `matrix(a, b, c, d, e, f)`: x' = a x + c y + e, y' = b x + d y + f; null when collinear. */
export function affineFromThree(
  from: [Point, Point, Point],
  to: [Point, Point, Point],
): [number, number, number, number, number, number] | null {
  const [[a, b], [c, d], [e, f]] = from;
  const det = a * (d - f) - b * (c - e) + (c * f - d * e);
  if (Math.abs(det) < 1e-9) return null;
  const solve = (u: number, v: number, w: number): [number, number, number] => [
    (u * (d - f) - b * (v - w) + (v * f - d * w)) / det,
    (a * (v - w) - u * (c - e) + (c * w - v * e)) / det,
    (a * (d * w - v * f) - b * (c * w - v * e) + u * (c * f - d * e)) / det,
  ];
  const [xa, xb, xc] = solve(to[0][0], to[1][0], to[2][0]);
  const [ya, yb, yc] = solve(to[0][1], to[1][1], to[2][1]);
  return [xa, ya, xb, yb, xc, yc];
}
