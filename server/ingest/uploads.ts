/**
 * The life of an upload (staged, checked, committed whole or not at all), shared by the HTTP routes and the import CLI:
 *
 *   create:  open and vet the file (read-features.ts; a broken file is a 4xx and stages nothing),
 *            decide the mapping; then a job of the job table stages every feature (stage.ts) and
 *            runs the checks (SQL over the staging table), keeping the report → ready. Over
 *            `backgroundFeatures` features any process claims the job and the caller polls; else
 *            the request runs it (runNow). Either way a process that dies is taken over.
 *   commit:  refused unless ready; refused while the report has errors (unless the rejected
 *            features are to be skipped) or warnings (unless accepted); one transaction.
 *   discard: drops the staging; a discarded upload can never be committed.
 *
 * Nothing here touches the live land tables except the commit.
 */
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { label } from '../labels/codes'
import { beijingTime, chinese } from '../labels/words'
import type { Db } from '../db/pgp'
import { StagingLostError, layerTable, type CommitResult, type UploadReport, type UploadStatus, type UploadView } from '../db/repos/uploads'
import { uploadLayer } from '../db/repos/uploads/layers'
import { HttpError, notFound } from '../errors'
import { publish } from '../events'
import { IngestError, isIngestError } from './errors'
import { type LayerName, layerFields } from './field-mapping'
import type { FastifyBaseLogger } from 'fastify'
import { JobFailure, type JobHandler, JobQueue, type JobTx } from '../jobs/queue'
import type { Claim } from '../db/repos/jobs'
import { type ReadLimits, type ReadOptions, type UploadDescription, type UploadReader, openUpload } from './read-features'
import type { IngestSettings } from './settings'
import { MAPPING_ISSUES, decideMapping, mapFeature, stageFeatures, type MappingDecision } from './stage'

export interface UploadContext {
  db: Db
  /** COPY FROM STDIN works on a server, not through the embedded database's socket. */
  useCopy: boolean
  settings: IngestSettings
  limits: ReadLimits
  /** The job table's runner of this process (server/jobs/queue.ts), with UPLOAD_JOB registered. */
  jobs: JobQueue
  log?: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void }
  /** Work of this process still going (what follows a commit run in the foreground). */
  tasks: Set<Promise<unknown>>
  /** Progress callbacks of the uploads run here in the foreground (the CLI's bar), by upload. */
  listeners: Map<string, ProgressFn>
  /** The file a foreground upload opened in the request, for its staging job run here (runNow). */
  readers: Map<string, UploadReader>
}

export type ProgressFn = (phase: string, percent: number) => void

/** The context of the uploads of one process: `jobs` gets UPLOAD_JOB registered. */
export function uploadContext(base: Omit<UploadContext, 'tasks' | 'listeners' | 'readers'>): UploadContext {
  const ctx: UploadContext = { ...base, tasks: new Set(), listeners: new Map(), readers: new Map() }
  base.jobs.register(UPLOAD_JOB, uploadJobHandler(ctx))
  return ctx
}

/** A job runner for a command outside the server (the import CLI, the ingest bench): never started,
 * it runs the upload jobs the command asks for (runNow) and logs to stderr. */
export function commandJobs(db: Db, leaseMs: number): JobQueue {
  const say = (level: string) => (obj: unknown, msg?: string) => process.stderr.write(`${level}: ${msg ?? ''} ${JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v))}\n`)
  const quiet = () => undefined
  const log = { info: quiet, debug: quiet, trace: quiet, warn: say('warn'), error: say('error'), fatal: say('fatal'), child: () => log, level: 'warn', silent: quiet }
  return new JobQueue(db, { leaseMs, pollMs: 1000, log: log as unknown as FastifyBaseLogger })
}

/** Resolves when the work of this process for its uploads is done (app close, the CLI). */
export async function uploadsIdle(ctx: UploadContext): Promise<void> {
  while (ctx.tasks.size) await Promise.allSettled([...ctx.tasks])
}

export interface Uploader {
  username: string
  /** The account's id: the upload's jobs are listed as its own (GET /api/jobs). */
  userId?: number
  /** County scope; null: the whole city. */
  scope: string[] | null
}

export interface NewUpload {
  path: string
  fileName: string
  sha256: string
  sizeBytes: number
  layer: string
  crs?: string
  /** The stated crs is meant even where the file declares another (crs-decide.ts). */
  confirmCrs?: boolean
  encoding?: string
  /** The layer of a multi-layer file (GeoPackage table, KML folder, DXF layer, XLSX sheet). */
  sourceLayer?: string
  mapping?: Record<string, string | null>
  user: Uploader
  /** 'auto': in the background past settings.backgroundFeatures. */
  mode?: 'auto' | 'foreground' | 'background'
  /** The folder the file was received into, in the upload folder every process sees
   * (ONEMAP_UPLOAD_DIR): removed once its staging has ended, by whichever process ran it. Without
   * it the file is the caller's (the import CLI's own file) and stays. */
  dir?: string
  onProgress?: ProgressFn
}

export interface CreatedUpload {
  id: string
  status: UploadStatus
  report: UploadReport | null
}

/** The first issues of a report, as each half of a bilingual message lists them (features counted from 1, as the report's list does). */
type IssueList = { zh: string; en: string }

export const UPLOAD_MESSAGES = {
  alreadyCommitted: (at: string | null) => `该上传已于 ${beijingTime(at)}（北京时间）提交，不能重复提交 / this upload was already committed (${at ?? '?'}); it cannot be committed twice`,
  discarded: '该上传已被放弃，不能提交；请重新上传 / this upload was discarded and cannot be committed: upload the file again',
  committing: '该上传正在提交中 / this upload is being committed right now',
  notReady: (status: string) => `该上传尚未校验完成（${label('uploadStatus', status)}），请稍后再试 / this upload is not validated yet (${status}): try again when it is ready`,
  failed: (why: string) => `该上传处理失败，不能提交：${why} / this upload failed and cannot be committed: ${why}`,
  hasErrors: (n: number, list: IssueList) =>
    `校验报告中有 ${n} 个错误，请修正后重新上传，或选择跳过被拒绝的要素：${list.zh} / ` +
    `the report lists ${n} error(s): fix the file and upload again, or commit with skipRejected to leave those features out: ${list.en}`,
  hasWarnings: (n: number, list: IssueList) =>
    `校验报告中有 ${n} 个警告，请核对后勾选“已核对警告”再提交：${list.zh} / ` +
    `the report lists ${n} warning(s): review them and commit with acceptWarnings: ${list.en}`,
  nothingToCommit: '没有可提交的要素（全部被拒绝） / nothing to commit: every feature was rejected',
  outOfScope: (n: number, counties: string) =>
    `${n} 个要素位于您管辖范围以外的区县，或将覆盖范围以外的已有记录（${counties}），不能提交 / ` +
    `${n} feature(s) lie in counties outside your scope or would overwrite records outside it (${counties}): not committed`,
  cannotDiscard: (status: string) => `该上传${label('uploadStatus', status)}，不能放弃 / an upload that is ${status} cannot be discarded`,
  stagingLost: '暂存数据已丢失（数据库曾重启），请重新上传 / the staged features were lost (the database restarted): upload the file again',
  interrupted: '服务在处理该上传时停止，未写入任何数据，请重新上传或重新提交 / the server stopped while handling this upload; nothing was written: upload it again',
  commitFailed: (why: string) => `提交失败，未写入任何数据：${why} / the commit failed and wrote nothing: ${why}`,
  cannotRemap: (status: string) => `该上传${label('uploadStatus', status)}，不能修改字段对应 / the field mapping of an upload that is ${status} cannot be changed`,
} as const

const UPLOAD = '上传 upload'

export async function createUpload(ctx: UploadContext, input: NewUpload): Promise<CreatedUpload> {
  let id: string | null = null
  try {
    layerFields(input.layer) // 400 layer_unknown before anything is recorded
    const layer = input.layer as LayerName
    const options: StageOptions = {
      crs: input.crs ?? null, confirmCrs: input.confirmCrs ?? false, encoding: input.encoding ?? null, mapping: input.mapping ?? null,
      ...(input.sourceLayer ? { sourceLayer: input.sourceLayer } : {}),
    }
    id = await ctx.db.uploads.create({
      layer, fileName: input.fileName, sha256: input.sha256, sizeBytes: input.sizeBytes, options,
      createdBy: input.user.username, scope: input.user.scope,
    })
    // Opened here, so that a broken file, a CRS in doubt or a mapping without a required field is
    // the request's 4xx before anything is queued; the staging job reads the features.
    const reader = await openReader(ctx, input.path, input.fileName, layer, options, (bbox, epsgs) => ctx.db.counties.place(bbox, epsgs))
    let total: number
    try {
      decideMapping(layer, reader.describe(), options.mapping ?? undefined)
      total = reader.describe().featureCount
    } catch (e) {
      await reader.close()
      throw e
    }
    const uploadId = id
    // Staging is a job like the checks that follow it (stageStep): the received file lies in the
    // upload folder every process sees (ONEMAP_UPLOAD_DIR), so whichever process claims the job
    // reads it, and a process that dies staging has its job taken over.
    const job: UploadJob = {
      step: 'stage', upload: uploadId, layer, scope: input.user.scope, username: input.user.username, sha256: input.sha256,
      file: { path: resolve(input.path), fileName: input.fileName, dir: input.dir ?? null }, options, total, abandoned: ABANDONED,
    }
    const background = input.mode === 'background' || (input.mode !== 'foreground' && total > ctx.settings.backgroundFeatures)
    if (background) {
      await reader.close()
      await ctx.jobs.enqueue({ kind: UPLOAD_JOB, payload: job, createdBy: input.user.userId ?? null, message: JOB_PHASES.queued })
      return { id: uploadId, status: 'validating', report: null }
    }
    // a small upload is staged in the request, through the same job row (runNow), reading on with
    // the reader opened above
    if (input.onProgress) ctx.listeners.set(uploadId, input.onProgress)
    ctx.readers.set(uploadId, reader)
    try {
      await runJob(ctx, job, input.user)
    } finally {
      ctx.listeners.delete(uploadId)
      const left = ctx.readers.get(uploadId)
      ctx.readers.delete(uploadId)
      await left?.close()
    }
    const after = await ctx.db.uploads.get(uploadId, input.user)
    return { id: uploadId, status: 'ready', report: after!.report }
  } catch (e) {
    if (id) {
      ctx.listeners.delete(id)
      await ctx.db.uploads.setFailed(id, errorJson(e)).catch(() => undefined)
    }
    // nothing is left to read the file: no job was queued, or the job ran here and has ended
    if (input.dir) await removeDir(input.dir)
    throw e
  }
}

/** What the uploader said about the file, kept with the upload and in its staging job. */
type StageOptions = { crs: string | null; confirmCrs: boolean; encoding: string | null; mapping: Record<string, string | null> | null; sourceLayer?: string }

function openReader(ctx: UploadContext, path: string, fileName: string, layer: LayerName, o: StageOptions,
  place: ReadOptions['place']): Promise<UploadReader> {
  // The CRS comes from the file and its coordinates against the city's extent, never from who
  // uploads it (crs-decide.ts).
  return openUpload(path, {
    layer, crsOverride: o.crs ?? undefined, confirmCrs: o.confirmCrs, encodingOverride: o.encoding ?? undefined, limits: ctx.limits,
    place, fileName, sourceLayer: o.sourceLayer,
  })
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined)
}

/**
 * A new field mapping for a staged upload (the user can change it before the commit),
 * without sending the file again: the staged features keep their original attributes, which
 * are mapped anew; what reading found wrong with the shapes stays, the mapping's own issues are
 * replaced, and every check runs again. Only a ready upload; in the background past
 * settings.backgroundFeatures, like the first validation.
 */
export async function remapUpload(ctx: UploadContext, id: string, user: Uploader, mapping: Record<string, string | null>,
  opts: { mode?: 'auto' | 'foreground' | 'background'; onProgress?: ProgressFn } = {}): Promise<CreatedUpload> {
  const u = await getUpload(ctx, id, user)
  if (u.status !== 'ready') {
    if (u.status === 'committed') throw new HttpError(409, 'upload_already_committed', UPLOAD_MESSAGES.alreadyCommitted(u.committedAt))
    throw new HttpError(409, 'upload_cannot_remap', UPLOAD_MESSAGES.cannotRemap(u.status))
  }
  const layer = u.layer
  const described = u.description as UploadDescription & { mapping: MappingDecision }
  // 400/422 naming the field before anything changes
  const decision = decideMapping(layer, described, mapping)
  if (!(await ctx.db.uploads.startRemap(id))) return remapUpload(ctx, id, user, mapping, opts) // raced: answer as it is now
  const total = u.report?.featureCount ?? 0
  const job: UploadJob = {
    step: 'remap', upload: id, layer, scope: user.scope, username: user.username, sha256: u.sha256,
    staged: u.report?.staged ?? null, description: { ...described, mapping: decision }, total, abandoned: ABANDONED,
  }
  const background = opts.mode === 'background' || (opts.mode !== 'foreground' && total > ctx.settings.backgroundFeatures)
  if (background) {
    await ctx.jobs.enqueue({ kind: UPLOAD_JOB, payload: job, createdBy: user.userId ?? null, message: JOB_PHASES.queued })
    return { id, status: 'validating', report: null }
  }
  if (opts.onProgress) ctx.listeners.set(id, opts.onProgress)
  try {
    await runJob(ctx, job, user)
  } finally {
    ctx.listeners.delete(id)
  }
  return { id, status: 'ready', report: (await ctx.db.uploads.get(id, user))!.report }
}

/** The upload as its viewer may see it, with its progress as the process running its job last
 * wrote it (the upload row: the same from every process). */
export async function getUpload(ctx: UploadContext, id: string, viewer: Uploader): Promise<UploadView> {
  const u = await ctx.db.uploads.get(id, viewer)
  if (!u) throw notFound(UPLOAD, id)
  return u
}

export interface CommitOptions {
  skipRejected?: boolean
  acceptWarnings?: boolean
  mode?: 'auto' | 'foreground' | 'background'
  onProgress?: ProgressFn
  /** Resolve only after what follows the commit (the deferred analysis refresh) is done (the CLI). */
  waitSettled?: boolean
}

export type CommitOutcome = { status: 'committed'; result: CommitResult } | { status: 'committing'; result: null }

export async function commitUpload(ctx: UploadContext, id: string, user: Uploader, opts: CommitOptions = {}): Promise<CommitOutcome> {
  const u = await getUpload(ctx, id, user)
  refuseUnlessReady(u)
  const report = u.report!
  const firstOf = (level: string): IssueList => {
    const issues = report.issues.filter((i) => i.level === level).slice(0, 5)
    return {
      zh: issues.map((i) => `第 ${i.index + 1} 个要素${i.key ? ` ${i.key}` : ''} ${chinese(i.message)}`).join('；'),
      en: issues.map((i) => `#${i.index + 1}${i.key ? ` ${i.key}` : ''} ${i.message}`).join('; '),
    }
  }
  if (report.errors > 0 && !opts.skipRejected) throw new HttpError(422, 'upload_has_errors', UPLOAD_MESSAGES.hasErrors(report.errors, firstOf('error')), { byCode: report.byCode })
  if (report.accepted === 0) throw new HttpError(422, 'upload_nothing_to_commit', UPLOAD_MESSAGES.nothingToCommit)
  if (report.warned > 0 && !opts.acceptWarnings) {
    throw new HttpError(422, 'upload_has_warnings', UPLOAD_MESSAGES.hasWarnings(report.warnings, firstOf('warning')), { byCode: report.byCode })
  }
  // The committer's own scope, which may be narrower than the uploader's.
  const outside = await ctx.db.uploads.scopeViolations(id, u.layer, user.scope)
  if (outside.n > 0) throw new HttpError(422, 'upload_out_of_scope', UPLOAD_MESSAGES.outOfScope(outside.n, outside.counties ?? ''))
  if (!(await ctx.db.uploads.startCommit(id))) refuseUnlessReady(await getUpload(ctx, id, user))

  const layer = u.layer
  const chunk = commitChunk(ctx, layer, report.featureCount)
  // the analysis follows a write in the same transaction or right after it: a large commit of a layer the analysis
  // engine reads (parcels: the registry's `analysed`) leaves the refresh for right after it (the
  // queue is committed with the parcels). A chunked commit always does: the findings of a parcel
  // its undo deletes would hold the parcel.
  const deferAnalysis = (uploadLayer(layer)?.analysed ?? false) && (chunk > 0 || report.accepted > ctx.settings.deferAnalysisFeatures)
  const job: Extract<UploadJob, { step: 'commit' }> = {
    step: 'commit', upload: id, layer, username: user.username, featureCount: report.featureCount, deferAnalysis,
    bbox: report.bbox, abandoned: ABANDONED, chunk,
  }
  const background = opts.mode === 'background' || (opts.mode !== 'foreground' && report.accepted > ctx.settings.backgroundFeatures)
  if (!background && chunk > 0) job.driven = true
  if (background) {
    await ctx.jobs.enqueue({ kind: UPLOAD_JOB, payload: job, createdBy: user.userId ?? null, message: JOB_PHASES.queued })
    return { status: 'committing', result: null }
  }
  if (opts.onProgress) ctx.listeners.set(id, opts.onProgress)
  let done: CommitResult & { settle: number }
  try {
    // a chunked commit: each chunk is a job that queues the next; this request runs them one after
    // another (another process may have one: runById waits for it), and between two the database
    // is free for everyone's reads
    done = await runChain(ctx, runJob(ctx, job, user)) as CommitResult & { settle: number }
  } catch (e) {
    ctx.listeners.delete(id)
    throw e
  }
  // the tiles of the changed area go stale before the caller has its answer
  invalidate(ctx, id, layer, report.bbox)
  // what follows the commit (its own job, committed with it): dropping the staging and the deferred
  // analysis refresh (GET /api/uploads/:id: phase analysing); run here when no runner has it yet
  const settled = runChain(ctx, ownError(() => ctx.jobs.runById(Number(done.settle))))
    .catch((e) => ctx.log?.error({ err: e, upload: id }, 'deferred analysis refresh failed; the timer retries it'))
    .finally(() => ctx.listeners.delete(id))
  track(ctx, settled)
  if (opts.waitSettled) await settled
  return { status: 'committed', result: { inserted: done.inserted, updated: done.updated, unchanged: done.unchanged } }
}

/** Says what an upload's commit changed (its table, under its features' bbox) on the one channel
 * (server/events.ts): the tile cache drops the tiles there. */
function invalidate(ctx: UploadContext, id: string, layer: LayerName, bbox: UploadReport['bbox']): void {
  try {
    publish({ kind: 'land-changed', target: layerTable(layer), bbox })
  } catch (e) {
    ctx.log?.warn({ err: e, upload: id }, 'tile invalidation failed')
  }
}

/** The kind of every upload job on the job table (server/jobs/queue.ts). */
export const UPLOAD_JOB = 'upload'

/** What the job list shows of an upload job, by phase (GET /api/jobs). */
const JOB_PHASES: Record<string, string> = {
  queued: '上传排队等待处理',
  reading: '正在读取上传文件',
  remapping: '正在按新的字段对应重新整理',
  checking: '正在校验上传数据',
  ready: '上传已校验完成',
  committing: '正在提交上传数据',
  committed: '上传已提交',
  analysing: '正在刷新提交后的分析',
}

/** On the embedded database a parcel commit of more features is written in chunks of this many
 * (ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES): a chunk's writes took 108 ms median, 305 ms at most (npm run
 * bench -- embedded, 50 000 parcels, 2026-12-07, load average 5 on 2 cores), so that a read waits
 * for about one chunk (issue 20: no read waits > 250 ms); 2000 took 741 ms median there. */
const EMBEDDED_COMMIT_CHUNK = 500

/** The queued rows of a deferred analysis refresh one settle job takes on the embedded database:
 * four commit chunks' worth (2000 by default: 4.7 s for 50 000 parcels in 25 jobs, reads between
 * them waiting 261 ms at most; npm run bench -- embedded, 2026-12-07). */
const pendingSlice = (ctx: UploadContext) => 4 * (ctx.settings.commitChunkFeatures || EMBEDDED_COMMIT_CHUNK)

/** The chunk size of a commit of `features` of `layer`: 0 when it is written in one transaction
 * (PostgreSQL by default: its readers do not wait for a writer; a layer without `keep`; an upload
 * of at most one chunk). */
function commitChunk(ctx: UploadContext, layer: LayerName, features: number): number {
  if (!uploadLayer(layer)?.sql.keep) return 0
  const size = ctx.settings.commitChunkFeatures ?? (ctx.useCopy ? 0 : EMBEDDED_COMMIT_CHUNK)
  return size > 0 && features > size ? size : 0
}

/** What the upload says when the process running its job died at the job's last attempt
 * (sql/functions/uploads-2-jobs.sql reads it from the payload). */
const ABANDONED = { code: 'upload_interrupted', message: UPLOAD_MESSAGES.interrupted }

/** One upload job's payload (small JSON; kind UPLOAD_JOB): stage a received file and check it,
 * check the staged features, remap them to a new mapping and check them, commit them, or settle
 * what follows a commit. Create and remap share the check; each step runs whole in the job's
 * transaction, or not at all. */
type UploadJob = { upload: string; layer: LayerName; abandoned: { code: string; message: string } } & (
  | { step: 'stage'; scope: string[] | null; username: string; sha256: string; file: { path: string; fileName: string; dir: string | null }; options: StageOptions; total: number }
  | { step: 'check'; scope: string[] | null; username: string; sha256: string; staged: number; description: unknown }
  | { step: 'remap'; scope: string[] | null; username: string; sha256: string; staged: number | null; total: number; description: UploadDescription & { mapping: MappingDecision } }
  | { step: 'commit'; username: string; featureCount: number; deferAnalysis: boolean; bbox: UploadReport['bbox'];
      /** chunked commit (migration 1080): features per chunk (0 or absent: one transaction), this
       * chunk's first idx, and what the chunks before it wrote */
      chunk?: number; from?: number; carried?: CommitResult
      /** a request of this process runs the chunks one after another (else the job runners do) */
      driven?: boolean }
  | { step: 'settle'; deferAnalysis: boolean; bbox: UploadReport['bbox'];
      /** a later slice of the analysis refresh on the embedded database (the staging is dropped) */
      again?: boolean; driven?: boolean })

/** The handler of UPLOAD_JOB (app.jobs.register): whichever process claims the job runs it. A
 * failure is the upload's (a JobFailure: the job ends failed, and the upload follows it in the
 * database, sql/functions/uploads-2-jobs.sql); the process that asked for it in the foreground
 * gets the original error back. */
export function uploadJobHandler(ctx: UploadContext): JobHandler {
  return async ({ t, payload, progress, claim, onEnd }) => {
    const p = payload as unknown as UploadJob
    const report = reporter(ctx, p.upload, (phase, percent) =>
      progress({ phase, message: JOB_PHASES[phase] ?? phase, done: Math.round(percent), total: 100 }))
    try {
      switch (p.step) {
        case 'stage':
          return await stageStep(ctx, t, p, claim, onEnd, report)
        case 'check':
          return await checkStep(ctx, t, p, report)
        case 'remap': {
          report('remapping', 0)
          const mapping = p.description.mapping.mapping
          await t.uploads.remap(p.upload, p.layer, (raw, kept) => {
            const m = mapFeature(p.layer, mapping, raw)
            return { values: m.values, key: m.key, countyCode: m.countyCode, issues: [...kept.filter((i) => !MAPPING_ISSUES.includes(i.code)), ...m.issues] }
          }, (n) => report('remapping', p.total ? (70 * n) / p.total : 70))
          return await checkStep(ctx, t, { ...p, staged: p.staged ?? undefined }, report)
        }
        case 'commit':
          return await commitStep(ctx, t, p, report, onEnd)
        case 'settle':
          return await settleStep(ctx, t, p, report, onEnd)
      }
    } catch (e) {
      throw failure(p, e)
    }
  }
}

/** A received file into staging, then its checks: the file is read from the upload folder every
 * process sees, by whichever process runs the job. On a server the features are staged in a
 * transaction of their own (COPY needs its connection) that first drops what an earlier attempt
 * committed and last checks that this process still holds the job; on the embedded database in
 * the job's transaction. A process that dies here leaves at most a staging that the next attempt
 * replaces whole: never a feature twice. The file is removed once the job has ended for good. */
async function stageStep(ctx: UploadContext, t: JobTx, p: Extract<UploadJob, { step: 'stage' }>, claim: Claim,
  onEnd: (fn: () => Promise<unknown>) => void, report: ProgressFn): Promise<null> {
  const dir = p.file.dir
  if (dir) onEnd(() => removeDir(dir))
  report('reading', 0)
  const given = ctx.readers.get(p.upload)
  ctx.readers.delete(p.upload)
  const reader = given ?? await openReader(ctx, p.file.path, p.file.fileName, p.layer, p.options, (bbox, epsgs) => t.counties.place(bbox, epsgs))
  let description: UploadDescription & { mapping: MappingDecision }
  let staged: number
  try {
    const mapping = decideMapping(p.layer, reader.describe(), p.options.mapping ?? undefined)
    description = { ...reader.describe(), mapping }
    staged = await stageFeatures(ctx.db, {
      uploadId: p.upload, layer: p.layer, reader, mapping: mapping.mapping, useCopy: ctx.useCopy,
      onProgress: (n) => report('reading', p.total ? (70 * n) / p.total : 70),
    }, async (sco) => {
      await ctx.db.uploads.clearStaging(sco, p.upload)
      await ctx.db.uploads.stageInsert(sco, p.upload, p.layer)
      if (!ctx.useCopy) return // in the job's transaction: fenced by its end
      if (!(await ctx.db.uploads.stageFence(sco, claim))) throw new Error(`upload job ${claim.id} was taken over by another process`)
    }, ctx.useCopy ? undefined : t)
  } finally {
    await reader.close()
  }
  // test-only (ONEMAP_UPLOAD_STAGE_PAUSE_LOCK): staged and committed, the job waits here before its
  // checks until the test lets go of this advisory lock; observable, so that a test can kill the process
  if (ctx.settings.stagePauseLock !== null) await t.one('SELECT pg_advisory_xact_lock($1::bigint)', [ctx.settings.stagePauseLock])
  return checkStep(ctx, t, { ...p, staged, description }, report)
}

async function checkStep(ctx: UploadContext, t: JobTx, p: { upload: string; layer: LayerName; scope: string[] | null; username: string; sha256: string; staged?: number; description: unknown },
  report: ProgressFn): Promise<null> {
  report('checking', 75)
  const result = await t.uploads.validate(p.upload, p.layer, p.scope, ctx.settings, (done, of) => report('checking', 75 + (25 * done) / of))
  const sameFile = await t.uploads.sameFile(p.upload, p.sha256, { scope: p.scope, username: p.username })
  const full: UploadReport = { ...result, staged: p.staged, sameFile }
  await t.uploads.setReady(p.upload, full, p.description)
  report('ready', 100)
  return null
}

/** One step of a commit: the next chunk's job, or the commit done with the job that settles it. */
type CommitStepResult = { next: number } | (CommitResult & { settle: number })

/** The commit (UploadsRepo.commit) in the job's transaction, with the job that settles it: a
 * process that dies in it leaves nothing, and the job is taken over and committed once. A chunked
 * commit (payload.chunk) writes one slice here and queues the job of the next in the same
 * transaction, so that a process that dies between or in chunks has its commit taken over and
 * resumed to its end; a commit that ends failed after some chunks has them undone with its failure
 * (upload_undo_commit, sql/functions/uploads-2-jobs.sql). */
async function commitStep(ctx: UploadContext, t: JobTx, p: Extract<UploadJob, { step: 'commit' }>, report: ProgressFn,
  onEnd: (fn: () => Promise<unknown>) => void): Promise<CommitStepResult> {
  const status = await t.uploads.status(p.upload)
  if (status !== 'committing') throw new HttpError(409, 'upload_not_committing', UPLOAD_MESSAGES.notReady(status ?? '?'))
  const from = p.from ?? 0
  const chunk = p.chunk ? { from, to: from + p.chunk, carried: p.carried ?? { inserted: 0, updated: 0, unchanged: 0 } } : undefined
  report('committing', chunk ? Math.min(99, (100 * from) / p.featureCount) : 0)
  const result = await t.uploads.commit(p.upload, p.layer, `user:${p.username}`, p.username, p.featureCount, { deferAnalysis: p.deferAnalysis, chunk })
  // test-only (ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK): the commit waits here, written but not committed,
  // until the test lets go of this advisory lock; observable, so that a test can kill the process.
  // A chunked commit waits in its second chunk: its first is committed by then.
  if (ctx.settings.commitPauseLock !== null && (!chunk || from === p.chunk)) await t.one('SELECT pg_advisory_xact_lock($1::bigint)', [ctx.settings.commitPauseLock])
  if (chunk && result.more) {
    const carried = {
      inserted: chunk.carried.inserted + result.inserted, updated: chunk.carried.updated + result.updated,
      unchanged: chunk.carried.unchanged + result.unchanged,
    }
    const next = await t.jobs.enqueue({
      // queued with this chunk's writes and its 'done', or not at all: never twice
      kind: UPLOAD_JOB, message: JOB_PHASES.committing,
      payload: { ...p, from: chunk.to, carried } satisfies UploadJob,
    })
    // the runners here and elsewhere look for it once this chunk is committed (unless the request
    // that runs the chunks takes it at once; should its process die, a runner takes it over)
    if (!p.driven) onEnd(async () => ctx.jobs.wake())
    report('committing', Math.min(99, (100 * chunk.to) / p.featureCount))
    return { next: Number(next.id) }
  }
  const settle = await t.jobs.enqueue({
    kind: UPLOAD_JOB, message: JOB_PHASES.queued,
    payload: { step: 'settle', upload: p.upload, layer: p.layer, deferAnalysis: p.deferAnalysis, bbox: p.bbox, abandoned: p.abandoned,
      ...(p.driven ? { driven: true } : {}) } satisfies UploadJob,
  })
  report('committed', 100)
  return { ...result, settle: Number(settle.id) }
}

/** After a commit: the staging is scratch now, the tiles of the changed area go stale, and a bulk
 * commit's analysis refresh is worked off with its own progress. A failure leaves the refresh
 * queue for the timer and the next start (plugins/daily-refresh.ts). */
async function settleStep(ctx: UploadContext, t: JobTx, p: Extract<UploadJob, { step: 'settle' }>, report: ProgressFn,
  onEnd: (fn: () => Promise<unknown>) => void): Promise<{ next: number } | null> {
  if (!p.again) {
    await t.uploads.deleteStaging(p.upload)
    invalidate(ctx, p.upload, p.layer, p.bbox)
  }
  if (!p.deferAnalysis) return null
  report('analysing', 0)
  if (ctx.useCopy) {
    // On a server in chunks of their own transactions, as edits refresh (no long lock on the findings).
    await ctx.db.analysis.processPending((done, left) => report('analysing', (100 * done) / (done + left)))
  } else {
    // The embedded database has one session, which the job's transaction holds: one slice here,
    // and the rest in a job queued with it, so that reads get in between (issue 20: no read
    // waits > 250 ms); a process that dies has the job taken over like any other.
    const { done, left } = await t.analysis.processPendingOnce(pendingSlice(ctx))
    if (left > 0) {
      const next = await t.jobs.enqueue({ kind: UPLOAD_JOB, message: JOB_PHASES.analysing, payload: { ...p, again: true } satisfies UploadJob })
      if (!p.driven) onEnd(async () => ctx.jobs.wake())
      report('analysing', (100 * done) / (done + left))
      return { next: Number(next.id) }
    }
  }
  invalidate(ctx, p.upload, p.layer, p.bbox)
  await t.uploads.settled(p.upload)
  return null
}

/** The error of a step as the job's failure, with what the upload becomes (the database does it). */
function failure(p: UploadJob, e: unknown): JobFailure {
  if (e instanceof JobFailure) return e
  let err: HttpError | { status: number; code: string; message: string }
  let then: 'ready' | 'failed' = 'failed'
  if (p.step === 'commit' && e instanceof StagingLostError) {
    err = new HttpError(409, 'upload_staging_lost', UPLOAD_MESSAGES.stagingLost)
  } else if (p.step === 'commit') {
    err = commitError(e)
    then = 'ready'
  } else {
    const j = errorJson(e)
    err = { status: e instanceof HttpError ? e.statusCode : isIngestError(e) ? (e as IngestError).status : 500, ...j }
  }
  const f = new JobFailure(err.message, { error: { code: err.code, message: err.message }, then })
  f.cause = p.step === 'commit' ? err : e
  return f
}

/** Runs an upload job here and now (the foreground), as a job of the table, so that if this
 * process dies another takes it over; the step's own error is thrown back. */
async function runJob(ctx: UploadContext, job: UploadJob, user: Uploader): Promise<unknown> {
  return ownError(() => ctx.jobs.runNow({ kind: UPLOAD_JOB, payload: job, createdBy: user.userId ?? null }))
}

/** Runs an upload job (runJob, or a queued one by id); its step's own error is thrown back. */
async function ownError(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run()
  } catch (e) {
    if (e instanceof JobFailure) {
      if (e.cause) throw e.cause
      const detail = e.detail as { error?: { code: string; message: string } } | undefined
      throw new HttpError(409, detail?.error?.code ?? 'upload_failed', detail?.error?.message ?? e.message)
    }
    throw e
  }
}

/** Runs the jobs a job's run (`first`) chains ({ next }: the next chunk of a commit, the next slice
 * of its analysis refresh) one after another, here when no runner has them; a step's own error is
 * thrown back. The last one's result. */
async function runChain(ctx: UploadContext, first: Promise<unknown>): Promise<unknown> {
  let r = await first as { next?: number } | null
  while (r && typeof r === 'object' && typeof r.next === 'number') {
    const next = r.next
    r = await ownError(() => ctx.jobs.runById(next)) as { next?: number } | null
  }
  return r
}

function track(ctx: UploadContext, p: Promise<unknown>): void {
  ctx.tasks.add(p)
  void p.finally(() => ctx.tasks.delete(p))
}

/** Progress of an upload: to its row (every process reads it there), to the job (`job`), and to
 * whoever here follows it (the CLI's bar). */
function reporter(ctx: UploadContext, id: string, job?: ProgressFn): ProgressFn {
  const persist = persister(ctx, id)
  return (phase, percent) => {
    job?.(phase, percent)
    ctx.listeners.get(id)?.(phase, percent)
    persist(phase, percent)
  }
}

export async function discardUpload(ctx: UploadContext, id: string, user: Uploader): Promise<UploadView> {
  await getUpload(ctx, id, user) // 404 for what the caller may not see
  const before = await ctx.db.uploads.discard(id)
  if (before === null) throw notFound(UPLOAD, id)
  if (!['ready', 'failed', 'discarded'].includes(before)) {
    throw new HttpError(409, 'upload_cannot_discard', UPLOAD_MESSAGES.cannotDiscard(before))
  }
  return getUpload(ctx, id, user)
}

function refuseUnlessReady(u: UploadView): void {
  switch (u.status) {
    case 'ready':
      return
    case 'committed':
      throw new HttpError(409, 'upload_already_committed', UPLOAD_MESSAGES.alreadyCommitted(u.committedAt))
    case 'discarded':
      throw new HttpError(409, 'upload_discarded', UPLOAD_MESSAGES.discarded)
    case 'committing':
      throw new HttpError(409, 'upload_committing', UPLOAD_MESSAGES.committing)
    case 'failed':
      throw new HttpError(409, 'upload_failed', UPLOAD_MESSAGES.failed(u.error?.message ?? '?'))
    default:
      throw new HttpError(409, 'upload_not_ready', UPLOAD_MESSAGES.notReady(u.status))
  }
}

/** A database refusal during the commit means a check let something through: say which rule. */
function commitError(e: unknown): HttpError {
  if (e instanceof HttpError) return e
  const pgErr = e as { code?: string; message?: string; constraint?: string; detail?: string }
  if (pgErr.code && /^23/.test(pgErr.code)) {
    const why = `${pgErr.message ?? ''}${pgErr.detail ? ` (${pgErr.detail})` : ''}`
    return new HttpError(422, 'upload_commit_refused', UPLOAD_MESSAGES.commitFailed(why), { constraint: pgErr.constraint })
  }
  return new HttpError(500, 'upload_commit_failed', UPLOAD_MESSAGES.commitFailed((e as Error).message ?? String(e)))
}

function errorJson(e: unknown): { code: string; message: string } {
  // The message may quote the file (a CRS name, a column): a NUL in it would make the row's jsonb
  // refuse the write and leave the upload 'validating' forever; it is shown as ␀ instead.
  const stored = (text: string) => text.replace(/\u0000/g, '\u2400')
  if (isIngestError(e)) return { code: (e as IngestError).code, message: stored(e.message) }
  if (e instanceof HttpError) return { code: e.code, message: stored(e.message) }
  return { code: 'internal', message: stored((e as Error)?.message ?? String(e)) }
}

/** Progress to the upload row, at most once a second; only on a server, where the write does not
 * queue behind the staging transaction on the embedded database's single connection. */
function persister(ctx: UploadContext, id: string): ProgressFn {
  let last = 0
  return (phase, percent) => {
    if (!ctx.useCopy) return
    const now = Date.now()
    if (now - last < 1000 && percent < 100) return
    last = now
    void ctx.db.uploads.progress(id, phase, percent).catch(() => undefined)
  }
}
