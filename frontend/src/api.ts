// Thin client of the embedlab JSON API. Coordinates and colour values arrive as binary arrays.

import type { components } from './api-types';

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

async function check(response: Response): Promise<Response> {
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      message = body?.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

const enc = encodeURIComponent;

export function datasetUrl(dataset: string, rest = ''): string {
  return `/api/datasets/${enc(dataset)}${rest}`;
}

export async function getJson<T>(url: string): Promise<T> {
  return (await check(await fetch(url))).json();
}

// Every write carries this header: the server refuses writes without it (a page of another
// site cannot add it to a cross-site request).
const WRITE_HEADER = { 'X-Embedlab': '1' };

export async function postJson<T>(url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method: 'POST', headers: WRITE_HEADER };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...WRITE_HEADER, 'content-type': 'application/json' };
  }
  return (await check(await fetch(url, init))).json();
}

export async function postRows<T>(url: string, rows: Uint32Array, asText = false): Promise<T> {
  const response = await check(
    await fetch(url, {
      method: 'POST',
      body: rows as unknown as BodyInit,
      headers: { ...WRITE_HEADER, 'content-type': 'application/octet-stream' },
    }),
  );
  return (asText ? response.text() : response.json()) as Promise<T>;
}

export async function getBinary(url: string): Promise<{ buffer: ArrayBuffer; headers: Headers }> {
  const response = await check(await fetch(url));
  return { buffer: await response.arrayBuffer(), headers: response.headers };
}

// The API's types, generated from its OpenAPI schema (`npm run api-types`, run by `make
// frontend`): a change of a route's model shows up here as a type error, not a blank page.
export type Schemas = components['schemas'];
export type JsonValue = Schemas['JsonValue'];
export type DatasetSummary = Schemas['DatasetSummary'];
export type SpaceInfo = Schemas['SpaceInfo'];
export type FieldInfo = Schemas['FieldInfo'];
export type DatasetInfo = Schemas['DatasetInfo'];
export type Legend = Schemas['Legend'];
export type SelectionPage = Schemas['SelectionPage'];
export type ItemDetails = Schemas['ItemDetails'];
export type Neighbour = Schemas['Neighbour'];
export type GraphNeighbours = Schemas['GraphNeighbours'];
export type SearchResult = Schemas['SearchResult'];
export type ClustersMade = Schemas['ClustersMade'];
export type Comparison = Schemas['Comparison'];
export type TagRequest = Schemas['TagRequest'];
export type TagSaved = Schemas['TagSaved'];
export type CorrectionRequest = Schemas['CorrectionRequest'];
export type CorrectionsSaved = Schemas['CorrectionsSaved'];
export type DataQualityPage = Schemas['DataQualityPage'];
export type QualityRun = Schemas['QualityRun'];
export type Histogram = Schemas['Histogram'];
export type LabelQualityPage = Schemas['LabelQualityPage'];
export type LabelIssue = Schemas['LabelIssue'];
export type SubsetMade = Schemas['SubsetMade'];
export type TagRows = Schemas['TagRows'];

/** What an item card shows: an item, with a score where it has one (neighbours, hits). */
export type ItemSummary = Schemas['ItemSummary'] & { score?: number };

export function mediaUrl(dataset: string, kind: 'thumbnail' | 'image', id: string): string {
  return `${datasetUrl(dataset, `/media/${kind}`)}?id=${enc(id)}`;
}

export async function projection(
  dataset: string,
  space: string,
  method: string,
  dims: number,
): Promise<Float32Array> {
  const url = datasetUrl(dataset, `/spaces/${enc(space)}/projection?method=${method}&dims=${dims}`);
  return new Float32Array((await getBinary(url)).buffer);
}

export async function fieldValues(
  dataset: string,
  field: string,
): Promise<{ legend: Legend; values: Uint16Array | Uint32Array | Float32Array }> {
  const [legend, data] = await Promise.all([
    getJson<Legend>(datasetUrl(dataset, `/fields/${enc(field)}/legend`)),
    getBinary(datasetUrl(dataset, `/fields/${enc(field)}/values`)),
  ]);
  const dtype = data.headers.get('X-Embedlab-Dtype');
  const values =
    dtype === '<u4' ? new Uint32Array(data.buffer)
      : dtype === '<u2' ? new Uint16Array(data.buffer)
        : new Float32Array(data.buffer);
  return { legend, values };
}
