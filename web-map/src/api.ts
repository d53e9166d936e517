/** Every call the map makes to the OneMap server, in one place. The bearer token is kept in
 * sessionStorage (it goes when the tab closes) and sent with API and tile requests alike. */
import type { CommitResult, UploadStatus, UploadView as UploadRecord } from '../../server/db/repos/uploads/report'

export type Role = 'admin' | 'analyst' | 'surveyor' | 'inspector'

export interface User {
  username: string
  display_name: string
  role: Role
  county_scope: string[] | null
  /** admins only (GET /api/auth/me): a missed or failed backup */
  notices?: { code: string; message: string }[]
}

/** A refusal from the server: status, stable code, and the message to show (Chinese first). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly detail?: unknown) {
    super(message)
  }
}

const TOKEN_KEY = 'onemap.token'

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY)
}

function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t)
  else sessionStorage.removeItem(TOKEN_KEY)
}

export function authHeaders(): Record<string, string> {
  const t = token()
  return t ? { authorization: `Bearer ${t}` } : {}
}

interface RequestOptions {
  method?: string
  body?: unknown
  headers?: Record<string, string>
}

/** The one way the web map calls the server: the bearer token sent, a refusal thrown as an ApiError
 * with the server's message. Every panel calls through here (or a named call below). */
export async function request<T>(url: string, opts: RequestOptions = {}): Promise<{ data: T; headers: Headers }> {
  const headers: Record<string, string> = { ...authHeaders(), ...opts.headers }
  let body: BodyInit | undefined
  if (opts.body instanceof FormData) body = opts.body
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const res = await fetch(url, { method: opts.method ?? 'GET', headers, body })
  if (res.status === 204) return { data: undefined as T, headers: res.headers }
  const text = await res.text()
  const json = text ? safeJson(text) : undefined
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string; detail?: unknown }
    throw new ApiError(res.status, e.code ?? 'http_' + res.status, e.message ?? `请求失败 / request failed (${res.status})`, e.detail)
  }
  return { data: json as T, headers: res.headers }
}

/** A file the server sends (a photo, an export) as a Blob, with the bearer token an <img> or a link cannot send. */
export async function blob(url: string): Promise<Blob> {
  const res = await fetch(url, { headers: authHeaders() })
  if (!res.ok) {
    const e = (safeJson(await res.text()) ?? {}) as { code?: string; message?: string }
    throw new ApiError(res.status, e.code ?? 'http_' + res.status, e.message ?? `请求失败 / request failed (${res.status})`)
  }
  return res.blob()
}

/** GET a public JSON answer with no token at all (the disclosure page: what anyone may see). */
export async function publicJson<T>(url: string): Promise<T> {
  const res = await fetch(url)
  const json = safeJson(await res.text()) as { code?: string; message?: string } | undefined
  if (!res.ok) throw new ApiError(res.status, json?.code ?? 'http_' + res.status, json?.message ?? `请求失败 / request failed (${res.status})`)
  return json as T
}

/** GET a JSON answer. */
export const getJson = async <T>(url: string): Promise<T> => (await request<T>(url)).data

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// ---- accounts ------------------------------------------------------------------------------

export async function login(username: string, password: string): Promise<User> {
  const { data } = await request<{ token: string; user: User }>('/api/auth/login', { method: 'POST', body: { username, password } })
  setToken(data.token)
  return data.user
}

export async function logout(): Promise<void> {
  try {
    if (token()) await request('/api/auth/logout', { method: 'POST' })
  } finally {
    setToken(null)
  }
}

/** The signed-in user, or null (a stale token is dropped). */
export async function me(): Promise<User | null> {
  if (!token()) return null
  try {
    return (await request<User>('/api/auth/me')).data
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      setToken(null)
      return null
    }
    throw e
  }
}

// ---- map configuration and layers ----------------------------------------------------------

export interface MapSettings {
  /** 天地图 key; null: the offline basemap only. */
  tiandituToken: string | null
  /** Roles that see tax, output and price (the server redacts them for the others). */
  sensitiveRoles: Role[]
}

export const mapSettings = async () => (await request<MapSettings>('/api/map-settings')).data

export interface LayerInfo {
  id: string
  title: string
  kind: 'polygon' | 'point'
  minzoom: number
  maxzoom: number
  promoteId: string | null
  fields: Record<string, string>
  /** the Chinese label of each coded value of a field (server/labels/) */
  valueLabels?: Record<string, Record<string, string>>
  available: boolean
}

export const tileCatalog = async () => (await request<{ encoder: string; layers: LayerInfo[] }>('/tiles')).data

export interface ClusterProps {
  code: string
  name: string
  short_name: string
  county_code: string
  county_name: string
  area_mu: number
}
export type ClusterCollection = GeoJSON.FeatureCollection<GeoJSON.MultiPolygon, ClusterProps>

export const clusters = async () => (await request<ClusterCollection>('/api/clusters')).data

// ---- parcels (search, card, file, edit) ------------------------------------------------------

export interface SearchHit {
  code: string
  county_code: string
  cluster_code: string | null
  stage: string
  land_use: string | null
  /** 权利人 as surveyed */
  owner_name: string | null
  area_m2: number
  area_mu: number
  land_user_name: string | null
}

export async function searchParcels(q: string, limit = 10): Promise<GeoJSON.Feature<GeoJSON.Geometry, SearchHit>[]> {
  const params = new URLSearchParams({ q, limit: String(limit) })
  return (await request<GeoJSON.FeatureCollection<GeoJSON.Geometry, SearchHit>>(`/api/parcels?${params}`)).data.features
}

/** The card (一宗一卡) as a GeoJSON Feature, and its version for If-Match. */
export async function parcelCard(code: string): Promise<{ card: GeoJSON.Feature<GeoJSON.Geometry, Record<string, unknown>>; etag: string | null }> {
  const { data, headers } = await request<GeoJSON.Feature<GeoJSON.Geometry, Record<string, unknown>>>(`/api/parcels/${encodeURIComponent(code)}`)
  return { card: data, etag: headers.get('etag') }
}

export interface FileEvent {
  id: number | null
  on: string
  recorded_at: string
  actor: string | null
  /** the user's display name (null for the system's own writes) */
  actor_name: string | null
  type: string
  entity: string
  action: string
  note: string | null
  changes: { field: string; old: unknown; new: unknown }[] | null
  value: Record<string, unknown> | null
  redacted: boolean
}

export const parcelFile = async (code: string) =>
  (await request<{ code: string; events: FileEvent[] }>(`/api/parcels/${encodeURIComponent(code)}/history`)).data

/** Edit a parcel on the version the user saw; a 409 carries the current card in `detail`. */
export async function editParcel(code: string, etag: string, patch: Record<string, unknown>) {
  const { data, headers } = await request<GeoJSON.Feature<GeoJSON.Geometry, Record<string, unknown>>>(
    `/api/parcels/${encodeURIComponent(code)}`, { method: 'PATCH', body: patch, headers: { 'if-match': etag } })
  return { card: data, etag: headers.get('etag') }
}

// ---- uploads (/api/uploads) ------------------------------------------------------------------

// The upload's status, report and commit counts are the server's own types (report.ts, types only).
export type { UploadIssue, UploadReport, UploadStatus } from '../../server/db/repos/uploads/report'

export interface UploadSource {
  name: string
  encoding: { encoding: string; source: string; reason: string } | null
  crs: { epsg: number; source: string; reason: string }
  fieldNames: string[]
  featureCount: number
  geometryType: string
  /** What the file holds and is not imported (open DXF polylines, KML points…), the first 100. */
  skipped?: string[]
  skippedCount?: number
  notes?: string[]
}

/** A layer of a multi-layer file (GeoPackage table, KML folder, DXF layer, XLSX sheet). */
export interface UploadLayerInfo {
  name: string
  geometryType: string
  featureCount: number
  skipped: number
}

/** An upload as GET /api/uploads/{id} answers it, with the description the web map reads. */
export interface UploadView extends Omit<UploadRecord, 'description'> {
  description: {
    kind: string
    sources: UploadSource[]
    featureCount: number
    layers?: UploadLayerInfo[]
    layer?: string
    mapping: { mapping: Record<string, string>; source: 'user' | 'proposed'; unmappedSources: string[]; truncatedMatches: { target: string; source: string }[] }
  } | null
}

export interface StagedProps {
  index: number
  key: string | null
  county_code: string | null
  county_name?: string | null
  county_source?: string | null
  area_m2: number
  values: Record<string, string | number | null>
  status: 'ok' | 'warning' | 'rejected'
  /** What the commit would do with it: a new record, a change of these fields, or nothing. */
  change: 'new' | 'changed' | 'unchanged'
  changedFields: string[] | null
  issues: { level: string; code: string; message: string }[]
}

/** Sends a file with progress (fetch cannot report upload progress; XMLHttpRequest can).
 * `mapping` (target field → source column) replaces the proposed one. */
export interface UploadOptions {
  /** EPSG code stated by the user ('' or absent: decided from the file and its coordinates). */
  crs?: string
  /** The stated crs is meant even where the file's .prj says otherwise. */
  confirmCrs?: boolean
  encoding?: string
  /** The layer of a multi-layer file to read. */
  sourceLayer?: string
}

export function uploadFile(file: File, layer: string, mapping: Record<string, string | null> | null,
  onProgress: (fraction: number) => void, options: UploadOptions = {}): Promise<{ id: string; status: UploadStatus }> {
  return new Promise((resolve, reject) => {
    const form = new FormData()
    form.append('layer', layer)
    if (options.crs) form.append('crs', options.crs)
    if (options.crs && options.confirmCrs) form.append('confirmCrs', 'true')
    if (options.encoding) form.append('encoding', options.encoding)
    if (options.sourceLayer) form.append('sourceLayer', options.sourceLayer)
    if (mapping) form.append('mapping', JSON.stringify(mapping))
    form.append('file', file, file.name)
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/uploads')
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      const json = safeJson(xhr.responseText) as { id?: string; status?: UploadStatus; code?: string; message?: string; detail?: unknown } | undefined
      if (xhr.status >= 200 && xhr.status < 300 && json?.id) resolve({ id: json.id, status: json.status! })
      else reject(new ApiError(xhr.status, json?.code ?? 'http_' + xhr.status, json?.message ?? `上传失败 / upload failed (${xhr.status})`, json?.detail))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', '网络错误，上传中断 / network error, upload interrupted'))
    xhr.send(form)
  })
}

/** A new field mapping for a ready upload, checked again on the server (200, or 202 while a large
 * upload is checked in the background: poll getUpload). */
export const remapUpload = async (id: string, mapping: Record<string, string | null>) =>
  (await request<{ id: string; status: UploadStatus }>(`/api/uploads/${encodeURIComponent(id)}/mapping`, { method: 'PUT', body: { mapping } })).data

/** One zone a 6-digit file could be in, or where a stated CRS puts the data (a refusal's detail). */
export interface CrsCandidate {
  epsg: number
  name: string
  centralMeridian: number | null
  bbox: [number, number, number, number]
  fits: boolean
  intersects: boolean
  distanceKm: number
  counties: { code: string; name: string }[]
}

/** The city's extent (public): the county outlines united and widened by their precision. */
export const cityExtent = async () =>
  (await request<GeoJSON.Feature & { properties: { precision_m: number; bbox: [number, number, number, number] } }>('/api/counties/extent')).data

export const getUpload = async (id: string) => (await request<UploadView>(`/api/uploads/${encodeURIComponent(id)}`)).data

export const stagedFeatures = async (id: string, limit = 50_000) =>
  (await request<GeoJSON.FeatureCollection<GeoJSON.Geometry, StagedProps> & { truncated: boolean }>(
    `/api/uploads/${encodeURIComponent(id)}/features?limit=${limit}`)).data

/** 200 with the counts, or 202 while a large commit runs (poll getUpload). */
export const commitUpload = async (id: string, opts: { acceptWarnings?: boolean; skipRejected?: boolean }) =>
  (await request<CommitResult | { id: string; status: 'committing' }>(
    `/api/uploads/${encodeURIComponent(id)}/commit`, { method: 'POST', body: opts })).data

export const discardUpload = async (id: string) => {
  await request(`/api/uploads/${encodeURIComponent(id)}`, { method: 'DELETE' })
}

// ---- administration (rules, flags, leases, enterprises, publishing, jobs; users, audit) ----

/** County code → name, from the public county outlines (read once). */
let countyNamesOnce: Promise<Map<string, string>> | null = null
export function countyNames(): Promise<Map<string, string>> {
  countyNamesOnce ??= request<{ features: { properties: { code: string; name: string } }[] }>('/api/counties')
    .then(({ data }) => new Map(data.features.map((f) => [f.properties.code, f.properties.name])))
    .catch((e) => { countyNamesOnce = null; throw e })
  return countyNamesOnce
}

export interface RuleVersion {
  id: number; county_code: string | null; value: unknown; effective_from: string; note: string | null; created_at: string
  created_by: string | null; created_by_name: string | null; in_force: boolean
}
export interface Rule { key: string; kind: string | null; versions: RuleVersion[] }
export const rules = async () => (await request<{ today: string; rules: Rule[] }>('/api/rules')).data
export const addRuleVersion = async (key: string, body: { county: string | null; value: unknown; effective_from: string; note: string }) =>
  (await request<RuleVersion & { key: string }>(`/api/rules/${encodeURIComponent(key)}/versions`, { method: 'POST', body })).data

export interface Flag {
  id: number; kind: 'industry_transition' | 'other'; doc_no: string | null; reason: string; set_by: string; set_on: string
  cleared_on: string | null; cleared_doc_no: string | null; cleared_reason: string | null; cleared_by: string | null; version: number; in_force: boolean
}
const parcelPath = (code: string) => `/api/parcels/${encodeURIComponent(code)}`
export const parcelFlags = async (code: string) => (await request<{ flags: Flag[] }>(`${parcelPath(code)}/flags`)).data.flags
export const setFlag = async (code: string, body: { kind: Flag['kind']; doc_no: string; set_on: string; reason: string }) =>
  (await request<{ flags: Flag[] }>(`${parcelPath(code)}/flags`, { method: 'POST', body })).data.flags
export const clearFlag = async (code: string, id: number, body: { cleared_on: string; doc_no: string; reason: string }) =>
  (await request<{ flags: Flag[] }>(`${parcelPath(code)}/flags/${id}/clear`, { method: 'POST', body })).data.flags

export interface Lease {
  id: number; landholder_code: string; landholder_name: string; tenant_code: string; tenant_name: string; area_m2: number | null
  starts_on: string; ends_on: string | null; doc_no: string | null; note: string | null; version: number; in_force: boolean
}
export const parcelLeases = async (code: string) => (await request<{ leases: Lease[] }>(`${parcelPath(code)}/leases`)).data.leases
export const addLease = async (code: string, body: { landholder_code: string; tenant_code: string; starts_on: string; ends_on: string | null; area_m2: number | null; doc_no: string | null; note: string | null }) =>
  (await request<{ leases: Lease[] }>(`${parcelPath(code)}/leases`, { method: 'POST', body })).data.leases
export const endLease = async (code: string, id: number, body: { ends_on: string; note: string | null }) =>
  (await request<{ leases: Lease[] }>(`${parcelPath(code)}/leases/${id}/end`, { method: 'POST', body })).data.leases

export interface EnterpriseRow { credit_code: string; name: string; county_code: string | null; industry: string | null; above_scale: boolean; intelligent_retrofit: boolean; version: number }
export const searchEnterprises = async (q: string) =>
  (await request<{ items: EnterpriseRow[] }>(`/api/enterprises?${new URLSearchParams({ q, limit: '20' })}`)).data.items
export async function enterprise(cc: string): Promise<{ row: EnterpriseRow & { legal_person?: string | null; contact_phone?: string | null }; etag: string | null }> {
  const { data, headers } = await request<EnterpriseRow>(`/api/enterprises/${encodeURIComponent(cc)}`)
  return { row: data, etag: headers.get('etag') }
}
export const createEnterprise = async (body: { credit_code: string; county_code: string; name: string; industry?: string | null; above_scale?: boolean; note?: string }) =>
  (await request<EnterpriseRow>('/api/enterprises', { method: 'POST', body })).data
export const patchEnterprise = async (cc: string, etag: string, body: Record<string, unknown>) =>
  (await request<EnterpriseRow>(`/api/enterprises/${encodeURIComponent(cc)}`, { method: 'PATCH', body, headers: { 'if-match': etag } })).data
export const mergeEnterprises = async (into: string, from: string, note: string) =>
  (await request<{ credit_code: string; merged_from: string; moved: { figures: number; contracts: number; leases: number } }>(
    `/api/enterprises/${encodeURIComponent(into)}/merge`, { method: 'POST', body: { from, note } })).data

export type DisclosureClass = 'unsupplied' | 'idle' | 'inefficient'
export interface DisclosureSetting { county_code: string; county_name: string; unsupplied: boolean; idle: boolean; inefficient: boolean }
export interface DisclosureItem {
  seq: number; class: DisclosureClass; class_label: string; ref: string; detail: string | null; county_code: string; county_name: string
  cluster_code: string | null; cluster_name: string | null; area_m2: number; area_mu: number; since: string | null; responsible_unit: string; lon: number; lat: number
}
export interface DisclosurePreview {
  as_of: string; basis: string; settings: DisclosureSetting[]
  counts: Record<DisclosureClass, { items: number; area_mu: number }>; items: DisclosureItem[]
}
export const disclosureSettings = async () => (await request<{ as_of: string; settings: DisclosureSetting[] }>('/api/disclosure/settings')).data
export const setDisclosure = async (body: { county: string | null; class: DisclosureClass; publish: boolean; from: string; note?: string }) =>
  (await request<{ settings: DisclosureSetting[] }>('/api/disclosure/settings', { method: 'PUT', body })).data
export const previewDisclosure = async () => (await request<DisclosurePreview>('/api/disclosure/preview', { method: 'POST', body: {} })).data
export const publishDisclosure = async () =>
  (await request<{ id: number; as_of: string; published_at: string; counts: DisclosurePreview['counts'] }>('/api/disclosure/publish', { method: 'POST', body: {} })).data

/** The result of each job an admin starts from 任务 (the job's `result` once it is done). */
export interface RefreshResult { as_of: string; duration_ms: number; findings: number; batches: number; changes: number }
export interface ScanResult { id: number; result: { as_of: string; candidates: number; created: number; assigned: number; duration_ms: number; escalated: number } }
export interface RatingsResult { year: number; stored: number; counts: Record<'A' | 'B' | 'C' | 'D', number> }
/** A background job (后台任务, server/routes/jobs): state and progress as any process recorded them. */
export interface Job<R = unknown> {
  id: number; kind: string; kind_name: string; state: 'queued' | 'running' | 'done' | 'failed'; state_name: string
  attempt: number; max_attempts: number; phase: string | null; message: string | null; done: number | null; total: number | null
  result: R | null; created_at: string; started_at: string | null; finished_at: string | null
}
/** Each starts a job on the server's job table (202) and answers it; job(id) follows it. */
export const refreshAnalysis = async () =>
  (await request<Job<RefreshResult>>('/api/analysis/refresh', { method: 'POST', body: {} })).data
export const scanAlerts = async () =>
  (await request<Job<ScanResult>>('/api/alerts/scan', { method: 'POST', body: {} })).data
export const storeRatings = async (year: number) =>
  (await request<Job<RatingsResult>>(`/api/permu/ratings/${year}`, { method: 'POST' })).data
export const job = async <R>(id: number) => (await request<Job<R>>(`/api/jobs/${id}`)).data
export const jobs = async (limit = 10) => (await request<Job[]>(`/api/jobs?limit=${limit}`)).data
