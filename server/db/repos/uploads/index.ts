/** Uploads: the upload rows, the staging tables and the set-based checks over them, and
 * the commit into the live land tables. The checks and the commit are SQL files beside this one;
 * the orchestration (reading, progress, background jobs) is server/ingest/uploads.ts. */
import type { IBaseProtocol, IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { setActor, type Writer } from '../../actor'
import { ISSUES, issueTemplates } from './issues'
import { NO_JIT, type LayerName, type UploadLayer, layerTraits, uploadLayer } from './layers'
import type { CommitResult, CountyDecision, UploadReport, UploadStatus, UploadView } from './report'

// The upload as the API answers it lives in report.ts (types only), shared with the web map.
/** One slice of a chunked commit (migration 1080): its features from <= idx < to, and the counts
 * the chunks before it wrote. */
export interface CommitChunk {
  from: number
  to: number
  carried: CommitResult
}

export type { CommitResult, CountyDecision, UploadIssue, UploadReport, UploadStatus, UploadView } from './report'

const sql = sqlLoader(import.meta.url)
const Q = {
  create: sql('create.sql'),
  get: sql('get.sql'),
  progress: sql('progress.sql'),
  settled: sql('settled.sql'),
  stageInsert: sql('stage-insert.sql'),
  // the common checks; the layer's own (the registry's sql.checks) run before the county checks,
  // and its changes statement after check-changes.sql
  checksBefore: [sql('check-read.sql'), sql('check-geometry.sql'), sql('check-keys.sql')],
  checksAfter: [sql('check-jurisdiction.sql'), sql('check-county.sql'), sql('check-location.sql'), sql('check-changes.sql')],
  report: sql('report.sql'),
  reportCounties: sql('report-counties.sql'),
  setReady: sql('set-ready.sql'),
  setFailed: sql('set-failed.sql'),
  startCommit: sql('start-commit.sql'),
  finishCommit: sql('finish-commit.sql'),
  commitKept: sql('commit-kept.sql'),
  reopen: sql('reopen.sql'),
  discard: sql('discard.sql'),
  failInterrupted: sql('fail-interrupted.sql'),
  stagedCount: sql('staged-count.sql'),
  stagedAfter: sql('staged-after.sql'),
  scopeViolations: sql('scope-violations.sql'),
  sameFile: sql('same-file.sql'),
  deleteStaging: sql('delete-staging.sql'),
  stageFence: sql('stage-fence.sql'),
  features: sql('features.sql'),
  remapStart: sql('remap-start.sql'),
  remapRows: sql('remap-rows.sql'),
  remapApply: sql('remap-apply.sql'),
}

/** The registry's entry of a layer (layers.ts); an unknown name is a programming error here (the
 * upload was refused with layer_unknown before anything was recorded). */
function layerOf(layer: string): UploadLayer {
  const l = uploadLayer(layer)
  if (!l) throw new Error(`upload layer ${layer} is not in the registry`)
  return l
}

/** The live table a layer commits into (for tile invalidation and the tests' checksums). */
export function layerTable(layer: string): string {
  return layerOf(layer).table
}

/** Who asks: the county scope (null: the whole city) and the user name (own uploads are visible). */
export interface UploadViewer {
  scope: string[] | null
  username: string
}

export interface CheckSettings {
  areaTolerance: number
  overlapM2: number
}

/** Issues listed in the report itself; the preview carries every feature's issues. */
export const REPORT_MAX_ISSUES = 500

type Conn = IDatabase<unknown> | ITask<unknown>

export class UploadsRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async create(u: { layer: LayerName; fileName: string; sha256: string; sizeBytes: number; options: unknown; createdBy: string; scope: string[] | null }): Promise<string> {
    return this.db.one(Q.create, { ...u, options: JSON.stringify(u.options) }, (r: { id: string }) => r.id)
  }

  /** The upload state machine (sql/functions/uploads-3-states.sql): every move of its status and the
   * step that makes it; the database refuses any other. */
  async transitions(): Promise<{ from: UploadStatus; to: UploadStatus; step: string }[]> {
    return this.db.map('SELECT from_status, to_status, step FROM upload_transitions()', [],
      (r: { from_status: UploadStatus; to_status: UploadStatus; step: string }) => ({ from: r.from_status, to: r.to_status, step: r.step }))
  }

  async get(id: string, viewer: UploadViewer): Promise<UploadView | null> {
    if (!isUuid(id)) return null
    const row = await this.db.oneOrNone(Q.get, { id, ...viewer })
    return row ? (row.upload as UploadView) : null
  }

  async progress(id: string, phase: string, percent: number): Promise<void> {
    await this.db.none(Q.progress, { id, phase, percent: Math.max(0, Math.min(100, percent)) })
  }

  /** The analysis refresh that followed a commit is done: the upload's phase is committed again. */
  async settled(id: string): Promise<void> {
    await this.db.none(Q.settled, { id })
  }

  /** The upload's status; null when there is no such upload. */
  async status(id: string): Promise<UploadStatus | null> {
    return this.db.oneOrNone('SELECT status FROM upload WHERE id = $1::uuid', [id], (r: { status: UploadStatus } | null) => r?.status ?? null)
  }

  /** Inside the staging transaction (server/ingest/stage.ts), on its connection. */
  async stageInsert(sco: IBaseProtocol<unknown>, uploadId: string, layer: LayerName): Promise<void> {
    await sco.none(Q.stageInsert, { uploadId, ...layerTraits(layerOf(layer)) })
  }

  /** In the staging transaction, before its rows go in: drops what an earlier attempt left (a
   * process that died after its staging committed and before its job ended), so that a job taken
   * over stages from the start and no feature is staged twice. */
  async clearStaging(sco: IBaseProtocol<unknown>, id: string): Promise<void> {
    await sco.none(Q.deleteStaging, { id })
  }

  /** In the staging transaction, last: false when the staging job's claim is no longer this
   * process's (taken over past its lease); the caller rolls back. */
  async stageFence(sco: IBaseProtocol<unknown>, claim: { id: number; owner: string; attempt: number }): Promise<boolean> {
    return (await sco.oneOrNone(Q.stageFence, { id: claim.id, owner: claim.owner, attempt: claim.attempt })) !== null
  }

  /** Runs every check over the staged features (one transaction) and returns the report. */
  async validate(uploadId: string, layer: LayerName, scope: string[] | null, settings: CheckSettings,
    onStep?: (done: number, of: number) => void): Promise<UploadReport> {
    const def = layerOf(layer)
    const params = {
      uploadId, scope, ...layerTraits(def),
      t: issueTemplates(),
      lv: Object.fromEntries(Object.entries(ISSUES).map(([k, v]) => [k, v.level])),
      tolerance: settings.areaTolerance,
      overlapM2: settings.overlapM2,
      maxIssues: REPORT_MAX_ISSUES,
      taken: 'false',
    }
    const checks = [...Q.checksBefore, ...def.sql.checks, ...Q.checksAfter, ...(def.sql.changes ? [def.sql.changes] : [])]
    return this.db.tx('upload-validate', async (t) => {
      await t.none(NO_JIT)
      // Fresh statistics: the planner otherwise takes the just-filled staging table for empty.
      await t.none('ANALYZE upload_feature (upload_id, idx, key, county_code, county_source, location_county, cluster_code)')
      params.taken = def.sql.taken ? this.pgp.as.format(def.sql.taken, params) : 'false'
      for (const [i, q] of checks.entries()) {
        await t.none(q, params)
        onStep?.(i + 1, checks.length + 1)
      }
      const report = await t.one(Q.report, params, (r: { report: UploadReport }) => r.report)
      // DOMAIN.md "County of a parcel": the report says which county and how it was decided.
      const counties = await t.one(Q.reportCounties, params, (r: { counties: CountyDecision[] }) => r.counties)
      onStep?.(checks.length + 1, checks.length + 1)
      return { ...report, counties }
    })
  }

  async setReady(id: string, report: UploadReport, description: unknown): Promise<void> {
    await this.db.none(Q.setReady, { id, report: JSON.stringify(report), description: JSON.stringify(description) })
  }

  async setFailed(id: string, error: { code: string; message: string }): Promise<void> {
    await this.db.none(Q.setFailed, { id, error: JSON.stringify(error) })
  }

  /** ready → committing; false when the upload was not ready (raced, discarded, committed). */
  async startCommit(id: string): Promise<boolean> {
    return (await this.db.oneOrNone(Q.startCommit, { id })) !== null
  }

  async reopen(id: string, error: { code: string; message: string }): Promise<void> {
    await this.db.none(Q.reopen, { id, error: JSON.stringify(error) })
  }

  async stagedCount(id: string, conn: Conn = this.db): Promise<number> {
    return conn.one(Q.stagedCount, { id }, (r: { n: number }) => r.n)
  }

  async scopeViolations(id: string, layer: LayerName, scope: string[] | null): Promise<{ n: number; counties: string | null }> {
    const def = layerOf(layer)
    const taken = def.sql.taken && scope ? this.pgp.as.format(def.sql.taken, { scope }) : 'false'
    return this.db.one(Q.scopeViolations, { id, scope, taken })
  }

  /** Earlier uploads of the same file (same SHA-256) the viewer may see. */
  async sameFile(id: string, sha256: string, viewer: UploadViewer): Promise<unknown[]> {
    return this.db.one(Q.sameFile, { id, sha256, ...viewer }, (r: { uploads: unknown[] }) => r.uploads)
  }

  /**
   * The commit (or, with `chunk`, one chunk of it: the features from <= idx < to; `more` when
   * features are staged past it, else it is the last and records the totals): one transaction that names its actor and the upload (the event-log
   * trigger records both with every old and new row), writes the accepted features of the layer,
   * and records who, when and the counts on the upload row. Killing the process anywhere in it
   * leaves none of it: PostgreSQL rolls back a transaction whose connection dies. With
   * deferAnalysis (parcels only), the analysis freshness trigger queues what to refresh instead
   * of refreshing it here.
   */
  async commit(id: string, layer: LayerName, actor: Writer, committedBy: string, expectedCount: number,
    opts: { deferAnalysis?: boolean; chunk?: CommitChunk } = {}): Promise<CommitResult & { more?: boolean }> {
    return this.db.tx('upload-commit', async (t) => {
      await setActor(t, actor, `upload ${id}`)
      await t.none(NO_JIT)
      // A bulk commit queues its analysis refresh for right after it (analysis.pending_parcel,
      // committed with the parcels); the caller works the queue off (processPending).
      if (opts.deferAnalysis) await t.none("SET LOCAL onemap.analysis = 'deferred'")
      // The staging table is unlogged: after a database crash it is empty although the upload
      // row says ready. Writing then would commit nothing and call it done.
      // A chunk after the first looks only for an empty staging (a crash empties the whole table):
      // the staging counted in each of 100 chunks cost ~2 s at 50 000.
      const chunk = opts.chunk
      const slice = { uploadId: id, from: chunk?.from ?? 0, to: chunk?.to ?? 2 ** 31 - 1 }
      const after = chunk ? await t.one(Q.stagedAfter, slice) as { any: boolean; more: boolean } : null
      if (!chunk || chunk.from === 0) {
        const staged = await this.stagedCount(id, t)
        if (staged !== expectedCount) throw new StagingLostError(staged, expectedCount)
      } else if (!after!.any) throw new StagingLostError(0, expectedCount)
      const def = layerOf(layer)
      if (chunk && !def.sql.keep) throw new Error(`upload layer ${layer} cannot be committed in chunks`)
      // a chunk keeps what it overwrites, for upload_undo_commit should a later chunk fail (migration 1080)
      if (chunk && def.sql.keep) await t.none(def.sql.keep, slice)
      const written = await t.one(def.sql.commit, slice) as CommitResult
      if (after?.more) return { ...written, more: true }
      const result = chunk ? {
        inserted: chunk.carried.inserted + written.inserted,
        updated: chunk.carried.updated + written.updated,
        unchanged: chunk.carried.unchanged + written.unchanged,
      } : written
      // what the layer does in the commit's transaction (the alert rules on change polygons)
      await def.afterCommit?.(t, id)
      await t.none(Q.finishCommit, { id, committedBy, result: JSON.stringify(result) })
      if (chunk) await t.none(Q.commitKept, { id })
      return result
    })
  }

  /** ready → validating for a new mapping; false when the upload was not ready. */
  async startRemap(id: string): Promise<boolean> {
    return (await this.db.oneOrNone(Q.remapStart, { id })) !== null
  }

  /**
   * Re-maps the staged features (the user changes the mapping before the commit) without
   * the file: pages of the original attributes go through `map`, the results are written back in
   * one transaction, and the previous checks' issues are dropped for validate() to run again.
   */
  async remap(id: string, layer: LayerName,
    map: (raw: Record<string, unknown>, issues: { code: string }[]) => { values: unknown; key: string | null; countyCode: string | null; issues: unknown[] },
    onPage?: (done: number) => void): Promise<number> {
    const PAGE = 5000
    return this.db.tx('upload-remap', async (t) => {
      await t.none(NO_JIT)
      await t.none(`CREATE TEMP TABLE upload_remap (idx integer PRIMARY KEY, values jsonb, key text, county_code text, issues jsonb) ON COMMIT DROP`)
      const cs = new this.pgp.helpers.ColumnSet(['idx', 'values:json', 'key', 'county_code', 'issues:json'], { table: 'upload_remap' })
      let after = -1
      let done = 0
      for (;;) {
        const rows: { idx: number; raw: Record<string, unknown>; issues: { code: string }[] }[] =
          await t.any(Q.remapRows, { id, after, limit: PAGE })
        if (rows.length === 0) break
        const mapped = rows.map((r) => {
          const m = map(r.raw, r.issues)
          return { idx: r.idx, values: m.values, key: m.key, county_code: m.countyCode, issues: m.issues }
        })
        await t.none(this.pgp.helpers.insert(mapped, cs))
        after = rows[rows.length - 1]!.idx
        done += rows.length
        onPage?.(done)
      }
      await t.none(Q.remapApply, { id, ...layerTraits(layerOf(layer)) })
      return done
    })
  }

  async deleteStaging(id: string): Promise<void> {
    await this.db.none(Q.deleteStaging, { id })
  }

  /** The status before the discard; null when there is no such upload. */
  async discard(id: string): Promise<UploadStatus | null> {
    if (!isUuid(id)) return null
    return this.db.one(Q.discard, { id }, (r: { status: UploadStatus | null }) => r.status)
  }

  async failInterrupted(message: string): Promise<number> {
    return this.db.one(Q.failInterrupted, { message }, (r: { n: number }) => r.n)
  }

  async features(id: string, bbox: [number, number, number, number] | null, limit: number): Promise<unknown> {
    const [west, south, east, north] = bbox ?? [null, null, null, null]
    return this.db.one(Q.features, { id, west, south, east, north, limit }, (r: { collection: unknown }) => r.collection)
  }
}

export class StagingLostError extends Error {
  constructor(readonly staged: number, readonly expected: number) {
    super(`staging holds ${staged} features where ${expected} were validated`)
  }
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)
