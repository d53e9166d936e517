/**
 * The life of an upload (issue 3 §6–§9), shared by the HTTP routes and the import CLI:
 *
 *   create:  open and vet the file (read-features.ts; a broken file is a 4xx and stages nothing),
 *            decide the mapping, stage every feature (stage.ts), run the checks (SQL over the
 *            staging table), keep the report → ready. Over `backgroundFeatures` features this runs
 *            as a job (jobs.ts) and the caller polls.
 *   commit:  refused unless ready; refused while the report has errors (unless the rejected
 *            features are to be skipped) or warnings (unless accepted); one transaction.
 *   discard: drops the staging; a discarded upload can never be committed.
 *
 * Nothing here touches the live land tables except the commit.
 */
import { label } from '../labels/codes'
import { beijingTime, chinese } from '../labels/words'
import type { Db } from '../db/pgp'
import { LAYER_TABLE, StagingLostError, type CommitResult, type UploadReport, type UploadStatus, type UploadView } from '../db/repos/uploads'
import { HttpError, notFound } from '../errors'
import { publish } from '../events'
import { IngestError, isIngestError } from './errors'
import { type LayerName, layerFields } from './field-mapping'
import { JobRunner, type ProgressFn } from './jobs'
import { type ReadLimits, type UploadDescription, openUpload } from './read-features'
import type { IngestSettings } from './settings'
import { MAPPING_ISSUES, decideMapping, mapFeature, stageFeatures, type MappingDecision } from './stage'

export interface UploadContext {
  db: Db
  /** COPY FROM STDIN works on a server, not through the embedded database's socket. */
  useCopy: boolean
  settings: IngestSettings
  limits: ReadLimits
  jobs: JobRunner
  log?: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void }
}

export interface Uploader {
  username: string
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
  /** Called once the received file is no longer needed (after staging, on every path). */
  cleanup?: () => Promise<void>
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
  let cleaned = false
  const cleanup = async () => {
    if (cleaned) return
    cleaned = true
    await input.cleanup?.().catch(() => undefined)
  }
  let id: string | null = null
  try {
    layerFields(input.layer) // 400 layer_unknown before anything is recorded
    const layer = input.layer as LayerName
    id = await ctx.db.uploads.create({
      layer, fileName: input.fileName, sha256: input.sha256, sizeBytes: input.sizeBytes,
      options: { crs: input.crs ?? null, confirmCrs: input.confirmCrs ?? false, encoding: input.encoding ?? null, mapping: input.mapping ?? null, ...(input.sourceLayer ? { sourceLayer: input.sourceLayer } : {}) },
      createdBy: input.user.username, scope: input.user.scope,
    })
    // The CRS comes from the file and its coordinates against the city's extent, never from who
    // uploads it (crs-decide.ts).
    const reader = await openUpload(input.path, {
      layer, crsOverride: input.crs, confirmCrs: input.confirmCrs, encodingOverride: input.encoding, limits: ctx.limits,
      place: (bbox, epsgs) => ctx.db.counties.place(bbox, epsgs), fileName: input.fileName, sourceLayer: input.sourceLayer,
    })
    let mappingDecision
    try {
      mappingDecision = decideMapping(layer, reader.describe(), input.mapping)
    } catch (e) {
      await reader.close()
      throw e
    }
    const uploadId = id
    const description = { ...reader.describe(), mapping: mappingDecision }
    const total = description.featureCount

    const run = async (progress: ProgressFn): Promise<UploadReport> => {
      try {
        const persist = persister(ctx, uploadId)
        const report = (phase: string, percent: number) => {
          progress(phase, percent)
          input.onProgress?.(phase, percent)
          persist(phase, percent)
        }
        report('reading', 0)
        const staged = await stageFeatures(ctx.db, {
          uploadId, layer, reader, mapping: mappingDecision.mapping, useCopy: ctx.useCopy,
          onProgress: (n) => report('reading', total ? (70 * n) / total : 70),
        }, (sco) => ctx.db.uploads.stageInsert(sco, uploadId, layer))
        await reader.close()
        await cleanup()
        report('checking', 75)
        const result = await ctx.db.uploads.validate(uploadId, layer, input.user.scope, ctx.settings,
          (done, of) => report('checking', 75 + (25 * done) / of))
        const sameFile = await ctx.db.uploads.sameFile(uploadId, input.sha256, input.user)
        const full: UploadReport = { ...result, staged, sameFile }
        await ctx.db.uploads.setReady(uploadId, full, description)
        report('ready', 100)
        return full
      } catch (e) {
        await ctx.db.uploads.setFailed(uploadId, errorJson(e)).catch(() => undefined)
        throw e
      } finally {
        await reader.close()
        await cleanup()
      }
    }

    const background = input.mode === 'background' || (input.mode !== 'foreground' && total > ctx.settings.backgroundFeatures)
    if (background) {
      ctx.jobs.enqueue(uploadId, run, (e) => ctx.log?.error({ err: e, upload: uploadId }, 'upload staging failed'))
      return { id: uploadId, status: 'validating', report: null }
    }
    const report = await run(() => undefined)
    return { id: uploadId, status: 'ready', report }
  } catch (e) {
    if (id) await ctx.db.uploads.setFailed(id, errorJson(e)).catch(() => undefined)
    await cleanup()
    throw e
  }
}

/**
 * A new field mapping for a staged upload (issue 3 §5: "the user can change it before commit"),
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
  const run = async (progress: ProgressFn): Promise<UploadReport> => {
    const persist = persister(ctx, id)
    const report = (phase: string, percent: number) => {
      progress(phase, percent)
      opts.onProgress?.(phase, percent)
      persist(phase, percent)
    }
    try {
      report('remapping', 0)
      await ctx.db.uploads.remap(id, layer, (raw, kept) => {
        const m = mapFeature(layer, decision.mapping, raw)
        return { values: m.values, key: m.key, countyCode: m.countyCode, issues: [...kept.filter((i) => !MAPPING_ISSUES.includes(i.code)), ...m.issues] }
      }, (n) => report('remapping', total ? (70 * n) / total : 70))
      report('checking', 75)
      const result = await ctx.db.uploads.validate(id, layer, user.scope, ctx.settings, (done, of) => report('checking', 75 + (25 * done) / of))
      const sameFile = await ctx.db.uploads.sameFile(id, u.sha256, user)
      const full: UploadReport = { ...result, staged: u.report?.staged, sameFile }
      await ctx.db.uploads.setReady(id, full, { ...described, mapping: decision })
      report('ready', 100)
      return full
    } catch (e) {
      await ctx.db.uploads.setFailed(id, errorJson(e)).catch(() => undefined)
      throw e
    }
  }
  const background = opts.mode === 'background' || (opts.mode !== 'foreground' && total > ctx.settings.backgroundFeatures)
  if (background) {
    ctx.jobs.enqueue(id, run, (e) => ctx.log?.error({ err: e, upload: id }, 'upload remapping failed'))
    return { id, status: 'validating', report: null }
  }
  return { id, status: 'ready', report: await run(() => undefined) }
}

/** The upload as its viewer may see it, with the live progress of a running job. */
export async function getUpload(ctx: UploadContext, id: string, viewer: Uploader): Promise<UploadView> {
  const u = await ctx.db.uploads.get(id, viewer)
  if (!u) throw notFound(UPLOAD, id)
  const live = ctx.jobs.progress(id)
  // committed: the analysis refresh a bulk commit left for right after it may still run
  return live && ['validating', 'committing', 'committed'].includes(u.status) ? { ...u, phase: live.phase, percent: live.percent } : u
}

export interface CommitOptions {
  skipRejected?: boolean
  acceptWarnings?: boolean
  mode?: 'auto' | 'foreground' | 'background'
  onProgress?: ProgressFn
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
  // issue 5 §8 "in the same transaction or right after it": a large parcel commit leaves the
  // analysis refresh for right after it (the queue is committed with the parcels).
  const deferAnalysis = layer === 'parcels' && report.accepted > ctx.settings.deferAnalysisFeatures
  const run = async (progress: ProgressFn): Promise<CommitResult> => {
    const report = (phase: string, percent: number) => {
      progress(phase, percent)
      opts.onProgress?.(phase, percent)
    }
    report('committing', 0)
    let result: CommitResult
    try {
      result = await ctx.db.uploads.commit(id, layer, `user:${user.username}`, user.username, u.report!.featureCount, { deferAnalysis })
    } catch (e) {
      if (e instanceof StagingLostError) {
        await ctx.db.uploads.setFailed(id, { code: 'upload_staging_lost', message: UPLOAD_MESSAGES.stagingLost })
        throw new HttpError(409, 'upload_staging_lost', UPLOAD_MESSAGES.stagingLost)
      }
      const err = commitError(e)
      await ctx.db.uploads.reopen(id, { code: err.code, message: err.message }).catch(() => undefined)
      throw err
    }
    report('committed', 100)
    // Outside the transaction: the staging is scratch now, and tiles of the changed area go stale.
    await ctx.db.uploads.deleteStaging(id).catch((e) => ctx.log?.warn({ err: e, upload: id }, 'could not drop staging'))
    invalidate(ctx, id, layer, u.report!.bbox)
    return result
  }
  // After the commit: the queued analysis refresh, in chunks, with its own progress; a failure is
  // logged and the queue stays for the timer and the next start (plugins/daily-refresh.ts).
  const analyse = async (progress: ProgressFn): Promise<void> => {
    const report = (percent: number) => {
      progress('analysing', percent)
      opts.onProgress?.('analysing', percent)
    }
    report(0)
    await ctx.db.analysis.processPending((done, left) => report((100 * done) / (done + left)))
    invalidate(ctx, id, layer, u.report!.bbox)
    report(100)
  }
  const onError = (what: string) => (e: unknown) => ctx.log?.error({ err: e, upload: id }, what)

  const background = opts.mode === 'background' || (opts.mode !== 'foreground' && report.accepted > ctx.settings.backgroundFeatures)
  if (background) {
    ctx.jobs.enqueue(id, async (progress) => {
      await run(progress)
      if (deferAnalysis) await analyse(progress).catch(onError('deferred analysis refresh failed; the timer retries it'))
    }, onError('upload commit failed'))
    return { status: 'committing', result: null }
  }
  const result = await run(() => undefined)
  // the caller has its answer now; the refresh follows as a job (GET /api/uploads/:id: phase analysing)
  if (deferAnalysis) ctx.jobs.enqueue(id, analyse, onError('deferred analysis refresh failed; the timer retries it'))
  return { status: 'committed', result }
}

/** Says what an upload's commit changed (its table, under its features' bbox) on the one channel
 * (server/events.ts): the tile cache drops the tiles there. */
function invalidate(ctx: UploadContext, id: string, layer: LayerName, bbox: UploadReport['bbox']): void {
  try {
    publish({ kind: 'land-changed', target: LAYER_TABLE[layer], bbox })
  } catch (e) {
    ctx.log?.warn({ err: e, upload: id }, 'tile invalidation failed')
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
