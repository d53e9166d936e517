/** What an upload is, as GET /api/uploads/{id} answers it: its status, the validation report and
 * the commit's counts. Types only, no module: the repository beside it fills them and the web map's
 * upload page (web-map/src/api.ts) reads them, so both sides hold one definition. */
import type { LayerName } from './layer-names'

export type UploadStatus = 'receiving' | 'validating' | 'ready' | 'committing' | 'committed' | 'discarded' | 'failed'

/** One problem of one feature (issues.ts lists the codes): an error rejects the feature, a warning
 * asks the committer to confirm. */
export interface UploadIssue {
  index: number
  source: string
  sourceIndex: number
  key: string | null
  level: string
  code: string
  message: string
}

/** column: the file's county column; boundary: the county outline holding the shape; code_prefix:
 * the GB/T 2260 prefix of its code; parcel: a contract's parcel; cluster: a cluster outline's cluster. */
export interface CountyDecision {
  code: string
  name: string | null
  source: 'column' | 'boundary' | 'code_prefix' | 'parcel' | 'cluster' | null
  features: number
}

export interface UploadReport {
  featureCount: number
  accepted: number
  rejected: number
  warned: number
  new: number
  /** changed + unchanged: features whose key is a live record. */
  existing: number
  /** Existing records the commit would change (check-changes.sql), each listed in `changes`. */
  changed: number
  /** Existing records the file repeats: the same shape within 1 cm, equal values; not written. */
  unchanged: number
  /** The first REPORT_MAX_ISSUES changed features with the fields that change ('geometry' for the shape). */
  changes: { index: number; source: string; sourceIndex: number; key: string | null; fields: string[] }[]
  changesTruncated: boolean
  errors: number
  warnings: number
  byCode: Record<string, number>
  issues: UploadIssue[]
  issuesTruncated: boolean
  areaM2: number
  bbox: [number, number, number, number] | null
  /** The accepted features by county and how each county was decided (report-counties.sql). */
  counties?: CountyDecision[]
  /** Features staged (set by the caller once staging is done). */
  staged?: number
  /** Earlier uploads of the same file: a hint that it was imported before. */
  sameFile?: unknown[]
  [k: string]: unknown
}

export interface CommitResult {
  inserted: number
  updated: number
  unchanged: number
}

export interface UploadView {
  id: string
  layer: LayerName
  fileName: string
  sha256: string
  sizeBytes: number
  status: UploadStatus
  phase: string | null
  percent: number
  options: Record<string, unknown>
  description: unknown
  report: UploadReport | null
  createdBy: string
  countyScope: string[] | null
  createdAt: string
  updatedAt: string
  committedAt: string | null
  committedBy: string | null
  result: CommitResult | null
  error: { code: string; message: string } | null
}
