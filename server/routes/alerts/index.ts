/** Patrol alerts (DOMAIN.md "Dynamic monitoring"): the list and inbox filters, one
 * alert, the workflow steps (PATCH with If-Match), field photos, routing by cluster, and the scan on
 * demand; the scheduled scan is a job of the job table, run once across processes (server/alerts/scheduler.ts, server/jobs/queue.ts). Every route needs a
 * login; the county scope is applied in SQL, and out of scope answers exactly like missing. */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import { ROLES, type Role } from '../../config'
import { multipartError } from '../../plugins/input'
import { HttpError } from '../../errors'
import { ACTIONS, ALERT_MESSAGES, ALERT_STATUSES, PHOTO_ROLES, SUPERVISORS, TRANSITIONS } from '../../db/repos/alerts'
import { ALERT_ACTION, ALERT_STATUS } from '../../labels/codes'
import { expectedVersion, FileAnswer, JsonText, listOf, MEDIA, nameUnknownFields, setEtag } from '../../schemas/common'
import { imageType, PhotoFileError, readPhoto, storePhoto, type PhotoType } from '../../alerts/photos'
import { AlertScheduler, SCHEDULED_TYPES } from '../../alerts/scheduler'
import { startedBy } from '../../jobs/started-by'
import { JobStarted, startJob } from '../jobs/view'
import {
  AlertAssignees, AlertDetail, AlertId, AlertPage, AlertQuery, AlertRoutes, AlertTransitions, AlertStepBody, IfMatch, PhotoParams, RouteBody, RouteParams,
  ScanBody,
} from './schemas'

const JSON_TYPE = 'application/json'
/** The scheduled scan's job kind (server/jobs/queue.ts): once per period however many processes. */
export const ALERT_SCAN_JOB = 'alert-scan'
/** The scan a supervisor starts (POST /scan), on the job table as well. */
export const SCAN_DEMAND_JOB = 'alert-scan-demand'
/** Roles that work alerts: analysts and admins direct, inspectors go to the field. */
const WORKERS: readonly Role[] = ['admin', 'analyst', 'inspector']

export const PHOTO_MESSAGES = {
  tooLarge: (max: number) => `照片过大（上限 ${(max / 1024 / 1024).toFixed(1)} MB）/ the photo is larger than ${(max / 1024 / 1024).toFixed(1)} MB`,
  notImage: '只接受 JPEG 或 PNG 照片（按文件内容识别）/ only JPEG or PNG photos are accepted (recognised by their content)',
  noFile: '请以 multipart/form-data 上传一张照片（字段 photo）/ send one photo as multipart/form-data (field "photo")',
  fileMissing: '照片文件缺失或已被改动，请联系管理员 / the photo file is missing or was altered on disk: tell the administrator',
  routeRefused: (c: string, u: string) => `未找到集聚区 ${c}，或 ${u} 不是负责该区县的在岗巡查员 / no cluster ${c} in your counties, or ${u} is not an active inspector of its county`,
} as const

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)
  const settings = app.config.alerts

  app.jobs.register(ALERT_SCAN_JOB, async ({ t, progress }) => {
    progress({ phase: 'scan', message: '正在扫描疑似闲置地块', done: 0, total: 1 })
    const r = await t.alerts.scan('schedule', 'system:alert-scan', { types: SCHEDULED_TYPES })
    app.log.info({ scan: r.result, trigger: 'schedule' }, 'alert scan done')
    progress({ phase: 'scan', message: '扫描完成', done: 1, total: 1 })
    return r.result
  })
  // the scan on demand: a job too, run as the supervisor who started it (the actor of what it writes)
  app.jobs.register(SCAN_DEMAND_JOB, async (ctx) => {
    const viewer = await startedBy(ctx, SUPERVISORS, app.config.sensitiveRoles)
    ctx.progress({ phase: 'scan', message: '正在运行巡查预警规则', done: 0, total: 1 })
    const p = ctx.payload as { types: string[]; asOf: string | null }
    const r = await ctx.t.alerts.scan('demand', viewer, { types: p.types, asOf: p.asOf })
    ctx.progress({ phase: 'scan', message: '扫描完成', done: 1, total: 1 })
    return r
  })
  const scheduler = new AlertScheduler({
    alerts: app.db.alerts, minutes: settings.scanMinutes, scanOnFirstStart: app.config.loadDemo, log: app.log,
    schedule: (period) => app.jobs.schedule(ALERT_SCAN_JOB, period),
  })
  app.addHook('onReady', async () => scheduler.start())
  app.addHook('onClose', async () => scheduler.stop())

  // Only here: no other route of this module takes files.
  await app.register(multipart, { limits: { fileSize: settings.photoMaxBytes, files: 1, fields: 0, parts: 2 } })

  app.get('/', {
    config: { access: ROLES },
    schema: {
      tags: ['alerts'],
      summary: '巡查预警列表 / alerts of your counties: status, type, cluster, assignee ("me"), overdue, due soon, escalated',
      querystring: AlertQuery, response: { 200: JsonText(AlertPage) },
    },
  }, async (request, reply) => {
    const q = request.query
    const page = await app.db.alerts.list({
      status: q.status?.length ? [...q.status] : null, type: q.type?.length ? [...q.type] : null,
      cluster: listOf(q.cluster), county: listOf(q.county),
      assignee: q.assignee === 'me' ? request.user!.username : (q.assignee ?? null),
      open: q.open ?? null, overdue: q.overdue ?? null, dueSoon: q.due_soon ?? null, escalated: q.escalated ?? null,
      parcel: q.parcel ?? null, limit: q.limit ?? 100, offset: q.offset ?? 0,
    }, request.viewer)
    return reply.type(JSON_TYPE).send(page)
  })

  app.get('/transitions', {
    config: { access: ROLES },
    schema: {
      tags: ['alerts'],
      summary: '预警处置流程 / the alert state machine: each step, the statuses it may be taken from, where it leads and who takes it',
      response: { 200: AlertTransitions },
    },
  }, async () => ({
    statuses: ALERT_STATUSES.map((status) => ({ status, label: ALERT_STATUS[status] })),
    actions: ACTIONS.map((action) => ({ action, label: ALERT_ACTION[action], ...TRANSITIONS[action], from: [...TRANSITIONS[action].from] })),
  }))

  app.get('/routes', {
    config: { access: ROLES },
    schema: { tags: ['alerts'], summary: '预警分派规则 / which inspector takes each cluster\'s new alerts', response: { 200: JsonText(AlertRoutes) } },
  }, async (request, reply) => reply.type(JSON_TYPE).send(await app.db.alerts.routes(request.viewer.scope)))

  app.put('/routes/:cluster', {
    config: { access: SUPERVISORS },
    schema: { tags: ['alerts'], summary: '设置集聚区巡查员 / route a cluster\'s new alerts to an inspector', params: RouteParams, body: RouteBody, response: { 200: JsonText(AlertRoutes) } },
  }, async (request, reply) => {
    const ok = await app.db.alerts.setRoute(request.params.cluster, request.body.inspector, request.viewer.scope, request.viewer)
    if (!ok) throw new HttpError(404, 'not_found', PHOTO_MESSAGES.routeRefused(request.params.cluster, request.body.inspector))
    return reply.type(JSON_TYPE).send(await app.db.alerts.routes(request.viewer.scope))
  })

  app.post('/scan', {
    config: { access: SUPERVISORS, audit: 'job_started' },
    schema: {
      tags: ['alerts'],
      summary: '立即扫描 / run the alert rules now (default: the suspected-idle parcel scan) and escalate the overdue, as a background job: 202 with the job, whose result ({ id, result: { as_of, candidates, created, assigned, escalated… } }) GET /api/jobs/:id shows; nothing is created twice',
      body: ScanBody, response: JobStarted,
    },
  }, async (request, reply) => {
    const b = request.body ?? {}
    return startJob(app, request, reply, SCAN_DEMAND_JOB, { types: b.types ? [...b.types] : SCHEDULED_TYPES, asOf: b.as_of ?? null })
  })

  app.get('/:id', {
    config: { access: ROLES },
    schema: { tags: ['alerts'], summary: '预警详情 / one alert: change polygon and its detections, parcel, dates, finding, photos, history; ETag = version', params: AlertId, response: { 200: JsonText(AlertDetail) } },
  }, async (request, reply) => {
    const a = await app.db.alerts.detail(request.params.id, request.viewer)
    if (!a) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(request.params.id))
    setEtag(reply, a.version)
    return reply.type(JSON_TYPE).send(a.json)
  })

  app.get('/:id/assignees', {
    config: { access: SUPERVISORS },
    schema: {
      tags: ['alerts'], summary: '可分派的巡查员 / the active inspectors this alert may be assigned to, with their open alerts',
      params: AlertId, response: { 200: JsonText(AlertAssignees) },
    },
  }, async (request, reply) => {
    const body = await app.db.alerts.assignees(request.params.id, request.viewer)
    if (!body) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(request.params.id))
    return reply.type(JSON_TYPE).send(body)
  })

  app.patch('/:id', {
    config: { access: WORKERS },
    schema: {
      tags: ['alerts'],
      summary: '预警处理 / a workflow step (assign, take, start_field, confirm, false_positive, close) on the version in If-Match; 409 when someone acted first',
      params: AlertId, headers: IfMatch, body: AlertStepBody, response: { 200: JsonText(AlertDetail) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const b = request.body
    const a = await app.db.alerts.act(request.params.id, request.viewer, expected, {
      action: b.action, assignee: b.assignee, note: b.note,
      finding: b.finding ? { ...b.finding, position: b.finding.position ?? null } : undefined,
    }, request.viewer)
    setEtag(reply, a.version)
    return reply.type(JSON_TYPE).send(a.json)
  })

  app.post('/:id/photos', {
    config: { access: WORKERS },
    schema: {
      tags: ['alerts'],
      summary: '上传现场照片 / add a field photo (multipart, field "photo"; JPEG or PNG by content; size-limited) before the finding',
      params: AlertId,
      documentBody: {
        consumes: ['multipart/form-data'],
        schema: Type.Object({ photo: Type.String({ format: 'binary', description: 'JPEG or PNG (told by its content), at most ONEMAP_PHOTO_MAX_MB' }) }),
      },
    },
  }, async (request, reply) => {
    const viewer = request.viewer
    const id = request.params.id
    await app.db.alerts.checkPhotoAllowed(id, viewer)
    if (!request.isMultipart()) throw new HttpError(415, 'not_multipart', PHOTO_MESSAGES.noFile)
    let data: Buffer
    let fileName: string | null
    try {
      const part = await request.file()
      if (!part || part.fieldname !== 'photo') {
        part?.file.resume()
        throw new HttpError(400, 'invalid_request', PHOTO_MESSAGES.noFile, { field: 'photo' })
      }
      data = await part.toBuffer()
      if (part.file.truncated) throw new HttpError(413, 'photo_too_large', PHOTO_MESSAGES.tooLarge(settings.photoMaxBytes))
      fileName = part.filename ? part.filename.replace(/[\u0000-\u001f\u007f/\\]/g, '').slice(0, 255) || null : null
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'photo_too_large', PHOTO_MESSAGES.tooLarge(settings.photoMaxBytes))
      if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
        throw new HttpError(400, 'invalid_request', PHOTO_MESSAGES.noFile, { field: 'photo' })
      }
      throw multipartError(e) ?? e
    }
    const type = imageType(data)
    if (!type) throw new HttpError(415, 'not_an_image', PHOTO_MESSAGES.notImage, { field: 'photo' })
    const stored = await storePhoto(settings.photoDir, data, type)
    const r = await app.db.alerts.addPhoto(id, viewer, { sha256: stored.sha256, mediaType: type, sizeBytes: data.length, fileName },
      request.viewer)
    return reply.status(r.created ? 201 : 200).type(JSON_TYPE).send(r.photo)
  })

  app.get('/:id/photos/:photoId', {
    config: { access: PHOTO_ROLES },
    schema: {
      tags: ['alerts'], summary: '现场照片 / a field photo of an alert in your counties (verified against its stored hash)', params: PhotoParams,
      response: { 200: FileAnswer([MEDIA.jpeg, MEDIA.png], 'the photo as it was uploaded') },
    },
  }, async (request, reply) => {
    const { id, photoId } = request.params
    const row = await app.db.alerts.photo(id, photoId, request.viewer.scope)
    if (!row) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(`${id}/photos/${photoId}`))
    let data: Buffer
    try {
      data = await readPhoto(settings.photoDir, row.sha256, row.media_type as PhotoType)
    } catch (e) {
      if (e instanceof PhotoFileError) {
        request.log.error({ err: e, photo: row.id }, 'photo file missing or altered')
        throw new HttpError(500, 'photo_file', PHOTO_MESSAGES.fileMissing)
      }
      throw e
    }
    return reply.type(row.media_type).header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff')
      .header('etag', `"${row.sha256}"`).send(data)
  })
}
export default routes
