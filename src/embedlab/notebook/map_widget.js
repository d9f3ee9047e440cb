// embedlab's map in a notebook (an anywidget ES module, no dependencies): the points of one
// 2-D map on a canvas, coloured by a field; drag a lasso to select (shift adds), click a point
// to select it, click empty space to clear; the wheel zooms, dragging with alt pans. The
// selection goes back to Python as rows (`selected_rows`) and comes from Python the same way.

const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];
const RAMP = [
  '#440154', '#481a6c', '#472f7d', '#414487', '#39568c', '#31688e', '#2a788e', '#23888e',
  '#1f988b', '#22a884', '#35b779', '#54c568', '#7ad151', '#a5db36', '#d2e21b', '#fde725',
];
const PLAIN = '#7aa6d8';
const BACKGROUND = '#111418';
const HIT_PX = 6;

function floats(view) {
  if (!view || !view.byteLength) return new Float32Array(0);
  return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function colours(model, values, count) {
  const kind = model.get('colour_kind');
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    if (kind === 'category') out[i] = PALETTE[values[i] % PALETTE.length];
    else if (kind === 'number') out[i] = RAMP[Math.min(RAMP.length - 1, Math.floor(values[i] * RAMP.length))];
    else out[i] = PLAIN;
  }
  return out;
}

/** A '#rrggbb' colour at `alpha` over the background, as one RGBA pixel (little-endian). */
function packed(hex, alpha) {
  const channel = (colour, i) => parseInt(colour.slice(1 + 2 * i, 3 + 2 * i), 16);
  const [r, g, b] = [0, 1, 2].map((i) => Math.round(alpha * channel(hex, i) + (1 - alpha) * channel(BACKGROUND, i)));
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Rows by colour, so each colour is packed once per draw. */
function byColour(fill) {
  const groups = new Map();
  fill.forEach((colour, row) => (groups.get(colour) ?? groups.set(colour, []).get(colour)).push(row));
  return groups;
}

function inside(polygon, x, y) {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function render({ model, el }) {
  const root = document.createElement('div');
  root.className = 'embedlab-map';
  const stage = document.createElement('div');
  stage.className = 'embedlab-map-stage';
  const canvas = document.createElement('canvas'); // the points: redrawn when they or the camera change
  const overlay = document.createElement('canvas'); // hover and lasso: redrawn as the pointer moves
  const info = document.createElement('div');
  info.className = 'embedlab-map-info';
  stage.append(canvas, overlay);
  root.append(stage, info);
  el.append(root);
  const ctx = canvas.getContext('2d');
  const top = overlay.getContext('2d');
  let xy = floats(model.get('coords'));
  let count = xy.length / 2;
  let codes = floats(model.get('colour_values'));
  let buckets = byColour(colours(model, codes, count));
  let selected = model.get('selected_rows');
  let mask = new Uint8Array(count);
  const camera = { scale: 1, x: 0, y: 0 };
  let lasso = null;
  let hover = -1;
  let pointer = null; // where the pointer moved, not looked up yet
  let width = 0;
  let height = 0;

  const toScreen = (row) => {
    const half = Math.min(width, height) / 2;
    return [width / 2 + (xy[2 * row] * camera.scale + camera.x) * half,
      height / 2 - (xy[2 * row + 1] * camera.scale + camera.y) * half];
  };
  const nearest = (px, py) => {
    let best = -1;
    let bestDistance = HIT_PX * HIT_PX;
    for (let row = 0; row < count; row++) {
      const [sx, sy] = toScreen(row);
      const d = (sx - px) ** 2 + (sy - py) ** 2;
      if (d < bestDistance) { best = row; bestDistance = d; }
    }
    return best;
  };
  const label = (row) => {
    const categories = model.get('categories');
    if (model.get('colour_kind') !== 'category' || !categories.length) return '';
    return ` (${categories[codes[row]]})`;
  };
  const describe = () => {
    const ids = model.get('ids');
    const shown = hover >= 0 ? ` · ${ids[hover]}${label(hover)}` : '';
    info.textContent = `${model.get('title')} · ${count.toLocaleString()} items · ${selected.length.toLocaleString()} selected${shown}`;
  };
  // Points go straight into the canvas's pixels: a million squares in tens of milliseconds,
  // where a million fillRect calls take seconds to rasterise on a software GPU.
  const drawPoints = () => {
    mask = new Uint8Array(count);
    for (const row of selected) mask[row] = 1;
    const w = canvas.width;
    const h = canvas.height;
    if (!w || !h) return;
    const image = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(packed(BACKGROUND, 1));
    const dim = selected.length > 0;
    const side = Math.max(1, Math.round((count > 100000 ? 1.5 : 3) * devicePixelRatio));
    const half = (Math.min(width, height) / 2) * devicePixelRatio;
    const ox = w / 2 + camera.x * half;
    const oy = h / 2 - camera.y * half;
    const k = camera.scale * half;
    const square = (row, size, value) => {
      const x0 = Math.round(ox + xy[2 * row] * k - size / 2);
      const y0 = Math.round(oy - xy[2 * row + 1] * k - size / 2);
      if (x0 + size <= 0 || y0 + size <= 0 || x0 >= w || y0 >= h) return;
      for (let y = Math.max(0, y0); y < Math.min(h, y0 + size); y++) {
        pixels.fill(value, y * w + Math.max(0, x0), y * w + Math.min(w, x0 + size));
      }
    };
    const grey = packed('#6b7280', 0.25);
    for (const [colour, rows] of buckets) {
      const value = dim ? grey : packed(colour, 0.85);
      for (const row of rows) if (!mask[row]) square(row, side, value);
    }
    if (dim) {
      for (const [colour, rows] of buckets) {
        const value = packed(colour, 1);
        for (const row of rows) if (mask[row]) square(row, 2 * side, value);
      }
    }
    ctx.putImageData(image, 0, 0);
  };
  const drawOverlay = () => {
    top.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    top.clearRect(0, 0, width, height);
    if (hover >= 0) {
      const [sx, sy] = toScreen(hover);
      top.strokeStyle = '#ffffff';
      top.strokeRect(sx - 4, sy - 4, 8, 8);
    }
    if (lasso && lasso.length > 1) {
      top.strokeStyle = '#ffd166';
      top.beginPath();
      lasso.forEach(([x, y], i) => (i ? top.lineTo(x, y) : top.moveTo(x, y)));
      top.stroke();
    }
    describe();
  };
  let frame = 0;
  let pointsStale = false;
  const draw = (points = true) => { // at most once per animation frame
    pointsStale ||= points;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (pointsStale) drawPoints();
      pointsStale = false;
      if (pointer) hover = nearest(...pointer);
      pointer = null;
      drawOverlay();
    });
  };
  const resize = () => {
    width = Math.max(root.clientWidth, 200);
    height = model.get('height');
    stage.style.height = `${height}px`;
    for (const c of [canvas, overlay]) {
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
      c.width = Math.round(width * devicePixelRatio);
      c.height = Math.round(height * devicePixelRatio);
    }
    draw();
  };
  const choose = (rows, add) => {
    const next = add ? new Set([...selected, ...rows]) : new Set(rows);
    model.set('selected_rows', [...next].sort((a, b) => a - b));
    model.save_changes();
  };
  const position = (e) => {
    const box = overlay.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  };

  let panning = null;
  // In JupyterLab a shift-mousedown in a cell extends the notebook's cell selection to that
  // cell; a shift-lasso here means "add to the map's selection", so the notebook must not see it.
  overlay.addEventListener('mousedown', (e) => { if (e.shiftKey) e.stopPropagation(); });
  overlay.addEventListener('pointerdown', (e) => {
    overlay.setPointerCapture(e.pointerId);
    if (e.altKey) panning = position(e);
    else lasso = [position(e)];
  });
  overlay.addEventListener('pointermove', (e) => {
    const [px, py] = position(e);
    if (panning) {
      const half = Math.min(width, height) / 2;
      camera.x += (px - panning[0]) / half;
      camera.y -= (py - panning[1]) / half;
      panning = [px, py];
    } else if (lasso) {
      lasso.push([px, py]);
    } else {
      pointer = [px, py]; // the point under it is found once per frame
    }
    draw(Boolean(panning));
  });
  overlay.addEventListener('pointerup', (e) => {
    if (panning) { panning = null; return; }
    if (!lasso) return;
    const shape = lasso;
    lasso = null;
    const [x0, y0] = shape[0];
    const far = shape.some(([x, y]) => Math.abs(x - x0) + Math.abs(y - y0) > 4);
    if (!far || shape.length < 3) {
      const row = nearest(x0, y0);
      choose(row >= 0 ? [row] : [], e.shiftKey && row >= 0);
    } else {
      const rows = [];
      for (let row = 0; row < count; row++) {
        const [sx, sy] = toScreen(row);
        if (inside(shape, sx, sy)) rows.push(row);
      }
      choose(rows, e.shiftKey);
    }
    draw();
  });
  overlay.addEventListener('pointerleave', () => { pointer = null; hover = -1; draw(false); });
  overlay.addEventListener('wheel', (e) => {
    e.preventDefault();
    const factor = Math.exp(-e.deltaY / 500);
    const [px, py] = position(e);
    const half = Math.min(width, height) / 2;
    const mx = (px - width / 2) / half;
    const my = (height / 2 - py) / half;
    camera.x = mx - (mx - camera.x) * factor;
    camera.y = my - (my - camera.y) * factor;
    camera.scale *= factor;
    draw();
  }, { passive: false });

  const onSelection = () => { selected = model.get('selected_rows'); draw(); };
  const onPoints = () => {
    xy = floats(model.get('coords'));
    count = xy.length / 2;
    codes = floats(model.get('colour_values'));
    buckets = byColour(colours(model, codes, count));
    draw();
  };
  model.on('change:selected_rows', onSelection);
  model.on('change:coords', onPoints);
  model.on('change:colour_values', onPoints);
  model.on('change:height', resize);
  const observer = new ResizeObserver(resize);
  observer.observe(root);
  resize();
  el.embedlabMap = { toScreen: (row) => toScreen(row), get count() { return count; } };
  return () => {
    observer.disconnect();
    model.off('change:selected_rows', onSelection);
    model.off('change:coords', onPoints);
    model.off('change:colour_values', onPoints);
    model.off('change:height', resize);
  };
}

export default { render };
