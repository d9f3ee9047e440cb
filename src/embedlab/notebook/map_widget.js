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
  const canvas = document.createElement('canvas');
  const info = document.createElement('div');
  info.className = 'embedlab-map-info';
  root.append(canvas, info);
  el.append(root);
  const ctx = canvas.getContext('2d');
  let xy = floats(model.get('coords'));
  let count = xy.length / 2;
  let codes = floats(model.get('colour_values'));
  let fill = colours(model, codes, count);
  let selected = new Set(model.get('selected_rows'));
  const camera = { scale: 1, x: 0, y: 0 };
  let lasso = null;
  let hover = -1;
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
  const describe = () => {
    const ids = model.get('ids');
    const shown = hover >= 0 ? ` · ${ids[hover]}${label(hover)}` : '';
    info.textContent = `${model.get('title')} · ${count.toLocaleString()} items · ${selected.size.toLocaleString()} selected${shown}`;
  };
  const label = (row) => {
    const categories = model.get('categories');
    if (model.get('colour_kind') !== 'category' || !categories.length) return '';
    return ` (${categories[codes[row]]})`;
  };
  const draw = () => {
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    ctx.fillStyle = '#111418';
    ctx.fillRect(0, 0, width, height);
    const dim = selected.size > 0;
    const size = count > 100000 ? 1.5 : 3;
    ctx.globalAlpha = dim ? 0.25 : 0.85;
    for (let row = 0; row < count; row++) {
      if (dim && selected.has(row)) continue;
      const [sx, sy] = toScreen(row);
      ctx.fillStyle = dim ? '#6b7280' : fill[row];
      ctx.fillRect(sx - size / 2, sy - size / 2, size, size);
    }
    ctx.globalAlpha = 1;
    for (const row of selected) {
      const [sx, sy] = toScreen(row);
      ctx.fillStyle = fill[row];
      ctx.fillRect(sx - size, sy - size, 2 * size, 2 * size);
    }
    if (hover >= 0) {
      const [sx, sy] = toScreen(hover);
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(sx - 4, sy - 4, 8, 8);
    }
    if (lasso && lasso.length > 1) {
      ctx.strokeStyle = '#ffd166';
      ctx.beginPath();
      lasso.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
    describe();
  };
  const resize = () => {
    width = Math.max(root.clientWidth, 200);
    height = model.get('height');
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * devicePixelRatio);
    canvas.height = Math.round(height * devicePixelRatio);
    draw();
  };
  const choose = (rows, add) => {
    const next = add ? new Set([...selected, ...rows]) : new Set(rows);
    model.set('selected_rows', [...next].sort((a, b) => a - b));
    model.save_changes();
  };
  const position = (e) => {
    const box = canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  };

  let panning = null;
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    if (e.altKey) panning = position(e);
    else lasso = [position(e)];
  });
  canvas.addEventListener('pointermove', (e) => {
    const [px, py] = position(e);
    if (panning) {
      const half = Math.min(width, height) / 2;
      camera.x += (px - panning[0]) / half;
      camera.y -= (py - panning[1]) / half;
      panning = [px, py];
    } else if (lasso) {
      lasso.push([px, py]);
    } else {
      hover = nearest(px, py);
    }
    draw();
  });
  canvas.addEventListener('pointerup', (e) => {
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
  canvas.addEventListener('pointerleave', () => { hover = -1; draw(); });
  canvas.addEventListener('wheel', (e) => {
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

  const onSelection = () => { selected = new Set(model.get('selected_rows')); draw(); };
  const onPoints = () => {
    xy = floats(model.get('coords'));
    count = xy.length / 2;
    codes = floats(model.get('colour_values'));
    fill = colours(model, codes, count);
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
