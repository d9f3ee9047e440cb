// What every page shares: the chosen dataset and space, its description, and a cache of
// colour fields. Pages read it; the header's selects change it.

import { DatasetInfo, DatasetSummary, FieldInfo, Legend, datasetUrl, fieldValues, getJson } from './api';

export interface AppState {
  datasets: DatasetSummary[];
  dataset: string;
  space: string;
  info: DatasetInfo | null;
  focusId: string | null;
  colourField: string | null;
}

export const state: AppState = {
  datasets: [],
  dataset: '',
  space: '',
  info: null,
  focusId: null,
  colourField: null,
};

const fieldCache = new Map<string, { legend: Legend; values: Uint16Array | Uint32Array | Float32Array }>();

export async function loadInfo(): Promise<DatasetInfo> {
  state.info = await getJson<DatasetInfo>(datasetUrl(state.dataset));
  return state.info;
}

export async function field(name: string, fresh = false) {
  const key = `${state.dataset}\u0000${name}`;
  if (fresh || !fieldCache.has(key)) fieldCache.set(key, await fieldValues(state.dataset, name));
  return fieldCache.get(key)!;
}

export function forgetFields(): void {
  fieldCache.clear();
}

export function fields(): FieldInfo[] {
  return state.info?.fields ?? [];
}

export function isImageDataset(): boolean {
  return Boolean(state.info?.meta.image_column);
}

export function labelField(): string | null {
  return state.info?.meta.label_column ?? null;
}
