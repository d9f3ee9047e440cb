// A graph node's edges drawn on the map: a line from the node's point to each linked node's
// point, in an SVG layer over the scatter that follows the camera.

import { ScatterView } from './scatter';

const SVG = 'http://www.w3.org/2000/svg';

export class EdgeLayer {
  private layer: SVGSVGElement;
  private edges: { from: number; to: number[] } | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private mapBox: HTMLElement, private view: () => ScatterView | null) {
    this.layer = document.createElementNS(SVG, 'svg');
    this.layer.id = 'edge-layer';
    this.layer.classList.add('edge-layer');
    this.layer.style.display = 'none';
    mapBox.append(this.layer);
  }

  get shown(): boolean {
    return this.edges !== null;
  }

  /** Draw the edges of the node at row `from` to the nodes at rows `to`. */
  show(from: number, to: number[]): void {
    const view = this.view();
    if (!view) return;
    this.edges = { from, to };
    this.layer.style.display = '';
    this.layer.dataset.from = String(from);
    // placed in every frame the scatter presents (the points' screen positions are final then)
    this.unsubscribe ??= view.onFrame(() => this.place());
    requestAnimationFrame(() => this.place());
  }

  hide(): void {
    this.edges = null;
    this.layer.style.display = 'none';
    this.layer.replaceChildren();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private place(): void {
    const view = this.view();
    const project = view?.pointToScreen();
    if (!view || !project || !this.edges) return;
    const [width, height] = [this.mapBox.clientWidth, this.mapBox.clientHeight]; // inside the border
    this.layer.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const [x0, y0] = project(...view.position(this.edges.from));
    const lines = this.edges.to.map((row) => {
      const [x1, y1] = project(...view.position(row));
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('x1', String(x0));
      line.setAttribute('y1', String(y0));
      line.setAttribute('x2', String(x1));
      line.setAttribute('y2', String(y1));
      line.dataset.row = String(row);
      return line;
    });
    this.layer.replaceChildren(...lines);
  }
}
