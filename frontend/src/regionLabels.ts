// Names of a map's regions drawn over it at two zoom levels: the coarse clusters' names while
// the map is seen whole, the fine clusters' once zoomed in past twice the first scale. The
// server clusters the map and names each cluster from its items (GET/POST .../labels).

import { ApiError, Schemas, datasetUrl, getJson, postJson } from './api';
import { el, guarded, status } from './dom';
import type { ScatterView } from './scatter';
import { state } from './state';

export type MapRegionNames = Schemas['MapRegionNames'];
const FINE_FROM_ZOOM = 2;

function labelsUrl(map: string): string {
  const [method, dims] = map.split('-');
  return datasetUrl(state.dataset,
    `/spaces/${encodeURIComponent(state.space)}/labels?method=${method}&dims=${parseInt(dims, 10)}`);
}

/** The stored names of the map, or new ones made now. */
async function regionNames(map: string): Promise<MapRegionNames> {
  try {
    return await getJson<MapRegionNames>(labelsUrl(map));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    status('Naming the regions of the map…');
    return postJson<MapRegionNames>(labelsUrl(map));
  }
}

export class RegionLabels {
  readonly toggle: HTMLElement;
  private layer: HTMLElement;
  private names: MapRegionNames | null = null;
  private baseScale = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private mapBox: HTMLElement, private view: () => ScatterView | null,
    private map: () => string) {
    const box = el('input', { id: 'region-labels', type: 'checkbox' }) as HTMLInputElement;
    this.toggle = el('label', { title: 'Names of the map\'s regions (clusters of the map)' }, box, ' labels');
    this.layer = el('div', { id: 'region-layer', class: 'region-layer', hidden: true });
    mapBox.append(this.layer);
    box.addEventListener('change', () => void guarded(() => (box.checked ? this.show() : this.hide())));
  }

  /** The map changed (another projection): names are fetched again if shown. */
  async reset(): Promise<void> {
    this.names = null;
    if (!this.layer.hidden) await this.show();
  }

  private async show(): Promise<void> {
    const view = this.view();
    if (!view) return;
    this.names ??= await regionNames(this.map());
    this.layer.hidden = false;
    this.baseScale = 0;
    this.unsubscribe ??= view.onFrame(() => this.place()); // in step with the points, moving too
    this.place();
    status(`${this.names.labels.filter((l) => l.level === 'coarse').length} regions named from ${this.names.source}`);
  }

  private async hide(): Promise<void> {
    this.layer.hidden = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Put each name of the level that fits the zoom at its cluster's centre on screen. */
  place(): void {
    const project = this.view()?.pointToScreen();
    if (!project || !this.names) return;
    const [ax] = project(0, 0);
    const [bx] = project(1, 0);
    const scale = Math.abs(bx - ax);
    if (!this.baseScale) this.baseScale = scale;
    const level = scale >= FINE_FROM_ZOOM * this.baseScale ? 'fine' : 'coarse';
    this.layer.dataset.level = level;
    const { width, height } = this.mapBox.getBoundingClientRect();
    const nodes = this.names.labels.filter((l) => l.level === level).map((label) => {
      const [x, y] = project(label.x, label.y);
      const node = el('span', { class: `region ${level}`, text: label.name, title: `${label.size.toLocaleString()} items` });
      node.style.left = `${x}px`;
      node.style.top = `${y}px`;
      node.hidden = x < 0 || y < 0 || x > width || y > height;
      return node;
    });
    this.layer.replaceChildren(...nodes);
  }
}
