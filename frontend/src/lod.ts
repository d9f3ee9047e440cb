// Level of detail for big maps: while the camera moves (drag, wheel, a zoom transition) the
// scatter draws only a fixed, seeded random sample of the points, sized so that a frame fits
// the budget; once the camera has been still for a moment it draws every point again.
//
// With software WebGL (no GPU) a frame of a million points takes about 400 ms, so panning and
// zooming would stutter; a sample of tens of thousands keeps frames near the budget. The
// sample is drawn through regl-scatterplot's `filter`, so coordinates, colours and row
// numbers stay as they are; hover and selection act on all points whenever the camera rests,
// and a selection made before a move is kept (the filter would hide its unsampled part, so
// it is put back when the full set returns).

type Plot = {
  filter(points: number[], options?: { preventEvent?: boolean }): Promise<void>;
  unfilter(options?: { preventEvent?: boolean }): Promise<void>;
  select(points: number[], options?: { preventEvent?: boolean }): void;
  hover(point: number): void;
  get(property: 'selectedPoints'): number[];
  subscribe(event: string, handler: (payload: unknown) => void): unknown;
  unsubscribe(subscription: unknown): void;
};

const RESIZE_AFTER = 6; // frames measured before the sample is resized to the budget

export interface LodOptions {
  /** maps with more points than this move with a sample; smaller ones always draw all */
  minPoints: number;
  /** the frame time a moving camera should keep to (ms) */
  budgetMs: number;
  /** the camera counts as settled after this long without a change (ms) */
  settleMs: number;
  /** bounds of the sample size, whatever the measured frames say */
  minSample: number;
  maxSample: number;
  seed: number;
}

export const LOD_DEFAULTS: LodOptions = {
  minPoints: 200_000,
  budgetMs: 30,
  settleMs: 250,
  minSample: 5_000,
  maxSample: 150_000,
  seed: 1,
};

/** What the level of detail did, for tests and benchmarks (window.__embedlab.lod). */
export interface LodStats {
  count: number;
  enabled: boolean;
  moving: boolean;
  engaged: number; // camera moves drawn with a sample
  settled: number; // full redraws after a move
  sampleSize: number; // points drawn while moving now (or at the last move)
  drawnWhileMoving: number[]; // point count of each frame drawn while moving
  msPerPoint: number; // the cost estimate that sizes the sample
}

/** A seeded permutation of 0..n-1 (xorshift32 Fisher-Yates): its prefixes are nested samples. */
export function seededOrder(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let state = (seed >>> 0) || 1;
  for (let i = n - 1; i > 0; i--) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const j = state % (i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

export class LevelOfDetail {
  readonly stats: LodStats;
  private order: Uint32Array | null = null;
  private samples = new Map<number, number[]>(); // size -> sorted rows (filter wants them sorted)
  private savedSelection: number[] = [];
  private timer: number | undefined;
  private buttonDown = false;
  private frameTimes: number[] = [];
  private lastDrawAt = 0;
  private frameMs = 0; // a running mean of the frames drawn while moving
  private settling: Promise<void> | null = null;
  private readonly options: LodOptions;

  constructor(private plot: Plot, count: number, options: Partial<LodOptions> = {}) {
    this.options = { ...LOD_DEFAULTS, ...options };
    const enabled = count > this.options.minPoints;
    this.stats = {
      count, enabled, moving: false, engaged: 0, settled: 0, drawnWhileMoving: [],
      sampleSize: Math.min(count, 50_000),
      // a first guess (software WebGL on an idle core: 1M points in ~400 ms); frames correct it
      msPerPoint: 0.0004,
    };
  }

  /** Listen to the camera, and on the map's container (capture phase, before the scatter's
   * own handlers) for drags that pan (`pans`) and wheels; returns the detach. */
  attach(container: HTMLElement, pans: (event: MouseEvent) => boolean): () => void {
    const subscriptions = [
      this.plot.subscribe('view', () => this.cameraMoved()),
      this.plot.subscribe('drawing', () => this.frameDrawn()), // synchronous, in the frame
    ];
    const down = (event: MouseEvent) => {
      this.buttonDown = event.button === 0 && pans(event);
    };
    const move = (event: MouseEvent) => {
      if (this.buttonDown && event.buttons & 1) this.begin();
    };
    const up = () => {
      if (!this.buttonDown) return;
      this.buttonDown = false;
      this.scheduleSettle();
    };
    const wheel = () => this.begin();
    container.addEventListener('mousedown', down, true);
    container.addEventListener('mousemove', move, true);
    window.addEventListener('mouseup', up, true);
    container.addEventListener('wheel', wheel, { capture: true, passive: true });
    return () => {
      subscriptions.forEach((s) => this.plot.unsubscribe(s));
      window.clearTimeout(this.timer);
      container.removeEventListener('mousedown', down, true);
      container.removeEventListener('mousemove', move, true);
      window.removeEventListener('mouseup', up, true);
      container.removeEventListener('wheel', wheel, true);
    };
  }

  /** Draw the sample from the next frame on (no-op when the map is small or already moving). */
  begin(): void {
    if (!this.stats.enabled) return;
    this.scheduleSettle();
    if (this.stats.moving) return;
    this.stats.moving = true;
    if (!this.settling) {
      this.stats.engaged += 1;
      this.savedSelection = [...(this.plot.get('selectedPoints') ?? [])]; // a copy: filter edits it
    } // else the camera moved again before every point was back: the same move goes on
    this.stats.sampleSize = this.sampleSize();
    this.frameTimes = [];
    this.lastDrawAt = 0;
    this.plot.hover(-1); // out of any hovered point, with its event (the app hides its tooltip)
    void this.plot.filter(this.sample(this.stats.sampleSize), { preventEvent: true });
  }

  /** Back to every point now (before a selection, which must see all of them). */
  async settle(): Promise<void> {
    window.clearTimeout(this.timer);
    if (!this.stats.moving) return this.settling ?? undefined;
    this.stats.moving = false;
    this.settling = this.plot.unfilter({ preventEvent: true }).then(() => {
      this.settling = null;
      if (this.stats.moving) return; // moving again: the selection waits for the next rest
      if (this.savedSelection.length) this.plot.select(this.savedSelection, { preventEvent: true });
      this.savedSelection = [];
      this.stats.settled += 1;
    });
    return this.settling;
  }

  /** Rows to select while moving are kept for the full set (the filter would drop some). */
  keepSelection(rows: number[]): boolean {
    if (!this.stats.moving && !this.settling) return false;
    this.savedSelection = rows;
    return true;
  }

  private cameraMoved(): void {
    // a zoom transition or any other camera change not started by the mouse
    if (!this.stats.moving) this.begin();
    else this.scheduleSettle();
  }

  private frameDrawn(): void {
    if (!this.stats.moving) return;
    // frames drawn while moving follow one another as fast as the browser presents them, so
    // the time between two is what a frame of the sample costs (software WebGL rasterises in
    // the GPU process, after the render call has returned)
    const now = performance.now();
    if (this.lastDrawAt && now - this.lastDrawAt < 2_000) {
      this.frameTimes.push(now - this.lastDrawAt);
      this.frameMs = 0.7 * this.frameMs + 0.3 * (now - this.lastDrawAt);
    }
    this.lastDrawAt = now;
    this.stats.drawnWhileMoving.push(this.stats.sampleSize);
    if (this.stats.drawnWhileMoving.length > 10_000) this.stats.drawnWhileMoving.splice(0, 5_000);
    if (this.frameTimes.length >= RESIZE_AFTER) this.resize();
  }

  /** Resize the sample to the budget from the last frames (their lower quartile: frames that
   * waited for the mouse are longer than the drawing) when it is off by more than a quarter. */
  private resize(): void {
    const times = this.frameTimes.sort((a, b) => a - b);
    this.frameTimes = [];
    this.stats.msPerPoint = times[Math.floor(times.length / 4)] / this.stats.sampleSize;
    const size = this.sampleSize();
    if (Math.abs(size - this.stats.sampleSize) <= 0.25 * this.stats.sampleSize) return;
    this.stats.sampleSize = size;
    this.lastDrawAt = 0; // the next frame pays for the new filter
    void this.plot.filter(this.sample(size), { preventEvent: true });
  }

  private scheduleSettle(): void {
    window.clearTimeout(this.timer);
    // at rest when no change came for settleMs, or for two frames where frames are slower
    const wait = Math.max(this.options.settleMs, 2 * this.frameMs);
    this.timer = window.setTimeout(() => {
      if (this.buttonDown) return; // a drag held still: settle at mouse up
      void this.settle();
    }, wait);
  }

  private sampleSize(): number {
    const { budgetMs, minSample, maxSample } = this.options;
    const fits = Math.round(budgetMs / Math.max(this.stats.msPerPoint, 1e-7));
    const size = Math.max(minSample, Math.min(maxSample, fits));
    return Math.min(size - (size % 1000), this.stats.count); // steps of 1,000: few cached samples
  }

  private sample(size: number): number[] {
    let rows = this.samples.get(size);
    if (!rows) {
      this.order ??= seededOrder(this.stats.count, this.options.seed);
      rows = Array.from(this.order.subarray(0, size).slice().sort());
      this.samples.set(size, rows);
    }
    return rows;
  }
}
