// The 3-D view: a point cloud of a 3-D projection in plain WebGL, dragged to rotate and
// scrolled to zoom. Colours follow the same fields as the map.

import { projection } from './api';
import { PALETTE, RAMP, el } from './dom';
import { field, labelField, state } from './state';

const VERTEX = `
attribute vec3 position; attribute vec3 colour; uniform mat4 transform; uniform float size;
varying vec3 vColour;
void main() { gl_Position = transform * vec4(position, 1.0); gl_PointSize = size; vColour = colour; }`;
const FRAGMENT = `precision mediump float; varying vec3 vColour;
void main() { gl_FragColor = vec4(vColour, 0.85); }`;

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
  const colours = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const hex = !labels ? '#7aa6d8' : labels.legend.kind === 'category'
      ? PALETTE[labels.values[i] % PALETTE.length] : RAMP[Math.min(15, Math.floor(labels.values[i] * 16))];
    colours.set(rgb(hex), i * 3);
  }
  const canvas = el('canvas', { id: 'view3d', class: 'scatter' });
  root.append(el('p', { class: 'hint', text: `${key} · drag to rotate, scroll to zoom` }), canvas);
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
  for (const [name, data] of [['position', coords], ['colour', colours]] as const) {
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    const location = gl.getAttribLocation(program, name);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, 3, gl.FLOAT, false, 0, 0);
  }
  let yaw = 0.6, pitch = 0.4, zoom = 1;
  const draw = () => {
    const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
    const aspect = canvas.height / canvas.width;
    const s = zoom;
    // rotation about y then x, orthographic, aspect-corrected (column-major for WebGL)
    const m = new Float32Array([
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
  window.__embedlab.view3dReady = true;
}
