// The view lives in the URL, so a view can be bookmarked and shared:
//   /?dataset=D&space=S&map=umap-2d&colour=label&sel=3-9_12&offset=60#/map   (or &tag=T)
// and the charts' brushes: &brush=label:0-2~quality%3Ascore:10-19 (field:bars, bars as ranges).
// The query string is read once on load (restored when the map is drawn) and rewritten with
// history.replaceState whenever the view changes; the page stays in the hash, as before.

import { TagRows, datasetUrl, getJson } from './api';
import { status } from './dom';

export interface View {
  dataset?: string;
  space?: string;
  map?: string;
  colour?: string;
  sel?: string;
  tag?: string;
  brush?: string;
  offset?: number;
}

// A selection longer than this (encoded) is left out of the URL: save it as a tag to share it.
export const MAX_SELECTION_CHARS = 4000;

function readView(): View {
  const params = new URLSearchParams(location.search);
  const view: View = {};
  for (const key of ['dataset', 'space', 'map', 'colour', 'sel', 'tag', 'brush'] as const) {
    const value = params.get(key);
    if (value) view[key] = value;
  }
  const offset = Number(params.get('offset'));
  if (Number.isInteger(offset) && offset > 0) view.offset = offset;
  return view;
}

// What the URL asked for on load, until the map of that dataset and space has restored it.
let pending: View | null = readView();

export function initialView(): View {
  return pending ?? {};
}

type Patch = { [K in keyof View]?: View[K] | null };

export function noteView(patch: Patch): void {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

// A new dataset or space: what was chosen on the old one no longer applies.
export function noteSource(dataset: string, space: string): void {
  pending = null;
  noteView({ dataset, space, map: null, colour: null, sel: null, tag: null, brush: null, offset: null });
}

// Sorted rows as ranges: 3,4,5,6,12 -> "3-6_12" ('-' and '_' need no escaping in a URL).
export function encodeRows(rows: ArrayLike<number>): string {
  const sorted = Uint32Array.from(rows).sort();
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] <= sorted[j] + 1) j++;
    parts.push(sorted[i] === sorted[j] ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join('_');
}

// The rows of an encoded selection that exist on a map of `count` points (others dropped),
// sorted.
export function decodeRows(text: string, count: number): Uint32Array {
  const rows: number[] = [];
  for (const part of text.split('_')) {
    const [low, high] = part.split('-').map(Number);
    const last = Math.min(Number.isInteger(high) ? high : low, count - 1);
    if (!Number.isInteger(low) || low < 0) continue;
    for (let row = low; row <= last; row++) rows.push(row);
  }
  return Uint32Array.from(new Set(rows)).sort();
}

export function noteSelection(rows: ArrayLike<number>): void {
  const encoded = rows.length ? encodeRows(rows) : '';
  const fits = encoded.length <= MAX_SELECTION_CHARS;
  noteView({ sel: fits ? encoded : null, tag: null, offset: null });
  if (!fits) status(`${rows.length.toLocaleString()} items are too many for the URL: save them as a tag to share this view.`);
}

// The charts' brushes the URL names (restored by the charts once they are drawn).
export function viewBrushes(): string | undefined {
  return pending?.brush;
}

// The map the URL names, when this space has it.
export function viewMap(projections: string[]): string | undefined {
  const wanted = pending?.map;
  return wanted && projections.includes(wanted) ? wanted : undefined;
}

interface Selectable {
  select(rows: ArrayLike<number>, silent: boolean): void;
  count: number;
}

// Once the map is drawn: select what the URL names (rows, or a tag's rows) and show its page
// of the grid (`apply` sets the page's selection, as a lasso would, at that offset).
export async function restoreSelection(
  dataset: string,
  view: Selectable,
  apply: (rows: Uint32Array, offset: number) => Promise<void>,
): Promise<void> {
  const wanted = pending;
  pending = null;
  if (!wanted || (!wanted.sel && !wanted.tag)) return;
  let rows: Uint32Array;
  if (wanted.tag) {
    const found = await getJson<TagRows>(datasetUrl(dataset, `/tags/${encodeURIComponent(wanted.tag)}/rows`));
    rows = Uint32Array.from(found.rows.filter((row) => row < view.count));
  } else {
    rows = decodeRows(wanted.sel!, view.count);
  }
  if (!rows.length) return;
  view.select(rows, true);
  const offset = wanted.offset && wanted.offset < rows.length ? wanted.offset : 0;
  noteView(wanted.tag ? { tag: wanted.tag, sel: null, offset: offset || null }
    : { sel: encodeRows(rows), tag: null, offset: offset || null });
  await apply(rows, offset);
}
