// Level of detail for big maps (and for any map where WebGL runs in software): while the camera
// moves (drag, wheel, a zoom transition) the scatter does not draw with WebGL at all. The last
// full frame, copied once onto a snapshot canvas, follows the camera as a CSS transform (as
// tiled maps do while they load), and once the camera has been still for a moment every point
// is drawn again at the new camera.
//
// Why: with software WebGL (no GPU) each regl-scatterplot frame makes several full-canvas passes
// (points into a float framebuffer, a gamma pass onto its own canvas, a 2-D copy onto the page's
// canvas) whatever the number of points: a 90th-percentile frame of 67-290 ms at 1M points (idle
// to loaded machine) even with a 5,000-point sample. Moving a composited layer costs the
// compositor a few milliseconds instead (benchmarks/RESULTS.md).
// The price: what enters the view while moving stays blank (the map's background) and a zoomed
// snapshot is blurred or small until the camera rests. Points are never filtered, so hover,
// selection and lasso act on all points at any time; a change of the drawing made while moving
// (a selection, a colour) shows once the camera rests.

import { affineFromThree } from './lassoOverlay';

type Three = Parameters<typeof affineFromThree>[0];

type Renderer = {
  render(draw: () => void, target: HTMLCanvasElement): void;
  regl: { _gl?: WebGLRenderingContext };
};

type Plot = {
  get(property: 'renderer'): Renderer;
  redraw(): void;
  hover(point: number): void;
  subscribe(event: string, handler: (payload: unknown) => void): unknown;
  unsubscribe(subscription: unknown): void;
};

export interface LodOptions {
  /** maps with more points than this move as a snapshot even with a GPU */
  minPoints: number;
  /** the camera counts as settled after this long without a change (ms) */
  settleMs: number;
  /** whether WebGL runs in software (then every map moves as a snapshot); null: ask WebGL */
  software: boolean | null;
}

export const LOD_DEFAULTS: LodOptions = { minPoints: 200_000, settleMs: 250, software: null };

/** What the level of detail did, for tests and benchmarks (window.__embedlab.scatter.lod). */
export interface LodStats {
  count: number;
  enabled: boolean; // moves as a snapshot (false: every point drawn in every frame, as before)
  software: boolean; // WebGL renders in software
  moving: boolean; // the snapshot is shown and WebGL drawing is held
  engaged: number; // camera moves shown as a snapshot
  settled: number; // moves whose end was drawn in full (equals engaged when at rest)
  rendered: number; // WebGL frames drawn (each with every point), moving or not
  framesWhileMoving: number; // camera frames shown as a moved snapshot
  transform: string; // the snapshot's CSS transform now (or at the last move)
}

/** Whether a WebGL context draws in software (SwiftShader, llvmpipe, ...), from its renderer. */
export function softwareWebGl(gl: WebGLRenderingContext | undefined): boolean {
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
}

export class LevelOfDetail {
  readonly stats: LodStats;
  readonly options: LodOptions;
  private readonly snapshot: HTMLCanvasElement;
  private readonly renderer: Renderer;
  private readonly fullRender: Renderer['render'];
  private drawnAt: Three | null = null; // the anchors' screen positions in the last full frame
  private lastChange = 0; // when an input or a camera change last came (performance.now)
  private watching = false; // a frame callback checks for rest while moving
  private buttonDown = false;
  private waiting: (() => void)[] = []; // settle() callers, until the full frame is drawn
  private held = 0; // frames of this move not drawn with WebGL

  /** `anchors` gives the screen positions of three points far apart under the current camera
   * (null for fewer than three points or collinear ones: such maps draw every frame). */
  constructor(private plot: Plot, private canvas: HTMLCanvasElement, count: number,
    private anchors: () => Three | null, options: Partial<LodOptions> = {}) {
    this.options = { ...LOD_DEFAULTS, ...options };
    this.renderer = plot.get('renderer');
    const software = this.options.software ?? softwareWebGl(this.renderer.regl._gl);
    this.stats = {
      count, software, enabled: false, moving: false,
      engaged: 0, settled: 0, rendered: 0, framesWhileMoving: 0, transform: 'none',
    };
    this.snapshot = document.createElement('canvas');
    this.snapshot.className = 'scatter-snapshot';
    this.snapshot.hidden = true;
    canvas.after(this.snapshot); // the same place among the map's layers
    this.fullRender = this.renderer.render;
    this.renderer.render = (draw, target) => this.render(draw, target);
    this.setCount(count);
  }

  /** The map now has `count` points (a new projection): whether it moves as a snapshot. */
  setCount(count: number): void {
    this.stats.count = count;
    this.stats.enabled = this.stats.software || count > this.options.minPoints;
  }

  /** Listen on the map's container (capture phase, before the scatter's own handlers) for drags
   * that pan (`pans`) and wheels, and to the camera; returns the detach. */
  attach(container: HTMLElement, pans: (event: MouseEvent) => boolean): () => void {
    const subscriptions = [
      this.plot.subscribe('view', () => this.cameraMoved()),
      this.plot.subscribe('transitionStart', () => this.begin()), // an animated zoom (zoomTo)
    ];
    const down = (event: MouseEvent) => {
      this.buttonDown = event.button === 0 && pans(event);
    };
    const move = (event: MouseEvent) => {
      if (this.buttonDown && event.buttons & 1) this.begin();
    };
    const up = () => {
      this.buttonDown = false;
    };
    const wheel = () => this.begin();
    container.addEventListener('mousedown', down, true);
    container.addEventListener('mousemove', move, true);
    window.addEventListener('mouseup', up, true);
    container.addEventListener('wheel', wheel, { capture: true, passive: true });
    return () => {
      subscriptions.forEach((s) => this.plot.unsubscribe(s));
      container.removeEventListener('mousedown', down, true);
      container.removeEventListener('mousemove', move, true);
      window.removeEventListener('mouseup', up, true);
      container.removeEventListener('wheel', wheel, true);
    };
  }

  /** Hold WebGL drawing and show the last full frame from now on (no-op when disabled,
   * already moving, or no frame was drawn yet). */
  begin(): void {
    if (!this.stats.enabled || !this.drawnAt) return;
    this.lastChange = performance.now();
    if (this.stats.moving) return;
    const { width, height } = this.canvas;
    if (!width || !height) return;
    if (this.snapshot.width !== width) this.snapshot.width = width;
    if (this.snapshot.height !== height) this.snapshot.height = height;
    const context = this.snapshot.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, width, height);
    context.drawImage(this.canvas, 0, 0); // the one full-canvas copy of a move
    this.stats.moving = true;
    this.stats.engaged += 1;
    this.held = 0;
    this.stats.transform = 'none';
    this.snapshot.style.transform = 'none';
    this.snapshot.hidden = false;
    this.canvas.style.opacity = '0'; // still there for the mouse: the camera listens on it
    this.plot.hover(-1); // out of any hovered point, with its event (the app hides its tooltip)
    this.watchForRest();
  }

  /** Draw every point at the current camera now; resolves once that frame is drawn. */
  settle(): Promise<void> {
    if (!this.stats.moving) return Promise.resolve();
    this.stats.moving = false;
    const drawn = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.held) this.plot.redraw();
    else this.drawn(); // nothing changed since the last full frame (a one-step camera change)
    return drawn;
  }

  /** Stop holding frames and give the renderer back (the map is being replaced). */
  detach(): void {
    this.stats.moving = false;
    this.renderer.render = this.fullRender;
    this.showCanvas();
    this.snapshot.remove();
    this.waiting.splice(0).forEach((resolve) => resolve());
  }

  /** In the scatter's animation frame: the full drawing, or the snapshot moved to the camera. */
  private render(draw: () => void, target: HTMLCanvasElement): void {
    if (this.stats.moving && this.drawnAt) {
      const now = this.anchors();
      const m = now && affineFromThree(this.drawnAt, now);
      if (m) {
        const [a, b, c, d, e, f] = m; // pixels rounded to 1/100: a pan by whole pixels stays sharp
        const linear = [a, b, c, d].map((v) => v.toFixed(6)).join(', ');
        this.stats.transform = `matrix(${linear}, ${e.toFixed(2)}, ${f.toFixed(2)})`;
        this.snapshot.style.transform = this.stats.transform;
        this.stats.framesWhileMoving += 1;
        this.held += 1;
        this.lastChange = performance.now();
        return;
      }
    }
    this.fullRender.call(this.renderer, draw, target);
    this.stats.rendered += 1;
    this.drawnAt = this.anchors();
    if (this.stats.moving) return; // a frame drawn although moving (no anchors): keep the snapshot
    this.drawn();
  }

  /** The full frame is on the canvas: show it, and tell whoever waits for it. */
  private drawn(): void {
    this.showCanvas();
    if (!this.waiting.length) return;
    this.stats.settled = this.stats.engaged; // every move so far ends in this frame
    this.waiting.splice(0).forEach((resolve) => resolve());
  }

  private showCanvas(): void {
    this.canvas.style.opacity = '';
    this.snapshot.hidden = true;
  }

  private cameraMoved(): void {
    // while moving, any camera change keeps the move going; at rest, a one-step change made by
    // the app (zoomToArea without a transition) was drawn in full already: nothing to hold
    if (this.stats.moving) this.lastChange = performance.now();
  }

  /** Settle once no input or camera change came for settleMs (a drag held still too: its blank
   * parts fill in). Checked in animation frames, not by a timer: while the browser is still busy
   * with a frame, rAF-aligned inputs that wait for it arrive before the next check, so a slow
   * frame does not pass for rest. */
  private watchForRest(): void {
    if (this.watching) return;
    this.watching = true;
    const check = () => {
      if (!this.stats.moving) {
        this.watching = false;
      } else if (performance.now() - this.lastChange >= this.options.settleMs) {
        this.watching = false;
        void this.settle();
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  }
}
