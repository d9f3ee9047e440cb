// The 3-D view: a point cloud of a 3-D projection in plain WebGL, dragged to rotate and
// scrolled to zoom. Colours follow the same fields as the map; when the map has a selection or
// a filter (lasso, chart brushes) of this dataset and space, the points outside it are grey and
// faint, and the selected ones are drawn last (on top), as on the map.

import { projection } from './api';
import { PALETTE, RAMP, el } from './dom';
import { mapModel } from './mapPage';
import { GREY } from './scatter';
import { field, labelField, state } from './state';

const VERTEX = `
attribute vec3 position; attribute vec4 colour; uniform mat4 transform; uniform float size;
varying vec4 vColour;
void main() { gl_Position = transform * vec4(position, 1.0); gl_PointSize = size; vColour = colour; }`;
const FRAGMENT = `precision mediump float; varying vec4 vColour;
void main() { gl_FragColor = vColour; }`;
const OPACITY = 0.85;
const GREY_OPACITY = 0.4;

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

export async function render3d(root: HTMLElement): Promise<void> {
  const space = state.info?.spaces.find((s) => s.name === state.space);
  const key = space?.projections.find((p) => p.endsWith('-3d'));
  if (!key) {
    root.append(el('p', { class: 'empty', text: `Space '${state.space}' has no 3-D projection: run embedlab project ${state.dataset} ${state.space} --dims 3.` }));
    return;
  }
  const coords = await projection(state.dataset, state.space, key.split('-')[0], 3);
  const n = coords.length / 3;
  const labels = labelField() ? await field(labelField()!) : null;
  const chosen = mapSelection(n);
  const { positions, colours } = pointBuffers(coords, labels, chosen);
  const canvas = el('canvas', { id: 'view3d', class: 'scatter' });
  const note = chosen ? ` · in colour: the map's selection (${mapModel.selection.length.toLocaleString()}), the rest grey` : '';
  root.append(el('p', { class: 'hint', text: `${key} · drag to rotate, scroll to zoom${note}` }), canvas);
  const { width } = root.getBoundingClientRect();
  canvas.width = Math.max(width - 20, 300);
  canvas.height = Math.round(window.innerHeight * 0.75);
  const gl = canvas.getContext('webgl');
  if (!gl) {
    root.append(el('p', { class: 'error', text: 'WebGL is not available in this browser.' }));
    return;
  }
  const program = gl.createProgram()!;
  for (const [type, source] of [[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, FRAGMENT]] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  gl.useProgram(program);
  for (const [name, data, size] of [['position', positions, 3], ['colour', colours, 4]] as const) {
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    const location = gl.getAttribLocation(program, name);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, size, gl.FLOAT, false, 0, 0);
  }
  gl.enable(gl.BLEND);
  gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  let yaw = 0.6, pitch = 0.4, zoom = 1;
  let m = new Float32Array(16);
  const draw = () => {
    const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
    const aspect = canvas.height / canvas.width;
    const s = zoom;
    // rotation about y then x, orthographic, aspect-corrected (column-major for WebGL)
    m = new Float32Array([
      s * cy * aspect, s * sy * sp, 0, 0,
      0, s * cp, 0, 0,
      s * sy * aspect, -s * cy * sp, 0.5 * s, 0,
      0, 0, 0, 1,
    ]);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.07, 0.08, 0.09, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.uniformMatrix4fv(gl.getUniformLocation(program, 'transform'), false, m);
    gl.uniform1f(gl.getUniformLocation(program, 'size'), n > 200_000 ? 1.5 : 3);
    gl.drawArrays(gl.POINTS, 0, n);
  };
  let dragging: [number, number] | null = null;
  canvas.addEventListener('mousedown', (e) => (dragging = [e.clientX, e.clientY]));
  window.addEventListener('mouseup', () => (dragging = null));
  canvas.addEventListener('mousemove', (e) => {
    if (!dragging) return;
    yaw += (e.clientX - dragging[0]) * 0.01;
    pitch += (e.clientY - dragging[1]) * 0.01;
    dragging = [e.clientX, e.clientY];
    requestAnimationFrame(draw);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom *= e.deltaY < 0 ? 1.1 : 1 / 1.1;
    requestAnimationFrame(draw);
  });
  draw();
  window.__embedlab.view3d = {  // for tests: how many are in colour, where a row is drawn
    count: n,
    selected: chosen ? chosen.reduce((a, b) => a + b, 0) : null,
    screenPosition: (row: number) => {
      const [x, y] = [0, 1].map((c) => m[c] * coords[row * 3] + m[4 + c] * coords[row * 3 + 1] + m[8 + c] * coords[row * 3 + 2]);
      const { width, height } = canvas.getBoundingClientRect(); // CSS pixels, as the page shows it
      return [((x + 1) / 2) * width, ((1 - y) / 2) * height];
    },
  };
  window.__embedlab.view3dReady = true;
}

type Coloured = Awaited<ReturnType<typeof field>> | null;

/** The vertex data in drawing order (grey items first, selected ones on top): positions (xyz)
 * and colours (rgba: the label's colour, or grey and faint outside the map's selection). */
function pointBuffers(coords: Float32Array, labels: Coloured, chosen: Uint8Array | null) {
  const n = coords.length / 3;
  const order = drawOrder(n, chosen);
  const positions = new Float32Array(n * 3);
  const colours = new Float32Array(n * 4);
  const grey = [...rgb(GREY), GREY_OPACITY];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    positions.set(coords.subarray(i * 3, i * 3 + 3), k * 3);
    if (chosen && !chosen[i]) {
      colours.set(grey, k * 4);
      continue;
    }
    const hex = !labels ? '#7aa6d8' : labels.legend.kind === 'category'
      ? PALETTE[labels.values[i] % PALETTE.length] : RAMP[Math.min(15, Math.floor(labels.values[i] * 16))];
    colours.set([...rgb(hex), OPACITY], k * 4);
  }
  return { positions, colours };
}

/** Per item, 1 inside the map's selection or filter when the map of this dataset and space has
 * one (null: none, every point in colour). */
function mapSelection(n: number): Uint8Array | null {
  if (!mapModel.view?.greyed || !mapModel.projectionKey.startsWith(`${state.dataset}/${state.space}/`) ) return null;
  const chosen = new Uint8Array(n);
  for (const row of mapModel.selection) if (row < n) chosen[row] = 1;
  return chosen;
}

/** The rows in drawing order: the grey ones first, the selected ones after them (on top). */
function drawOrder(n: number, chosen: Uint8Array | null): Uint32Array {
  const order = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (!chosen?.[i]) order[k++] = i;
  for (let i = 0; i < n && chosen; i++) if (chosen[i]) order[k++] = i;
  return order;
}
