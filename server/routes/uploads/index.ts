/** Uploads: POST a zipped shapefile or a GeoJSON (multipart: layer, file, optional crs,
 * confirmCrs, encoding, mapping) to stage and check it; GET it for the report and progress; GET its features
 * to draw them before committing; POST …/commit to write it into the live tables in one
 * transaction; DELETE to discard it. Analysts and admins only, within their county scope. The
 * work is server/ingest/uploads.ts; these handlers receive the file and answer. */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { Role } from '../../config'
import { HttpError } from '../../errors'
import { INPUT_MESSAGES, multipartError, nulPath, surrogatePath } from '../../plugins/input'
import { LAYERS } from '../../ingest/field-mapping'
import { UPLOAD_STATUS } from '../../labels/codes'
import { readLimitsOf } from '../../ingest/settings'
import { RECEIVED_DIR_PREFIX, UPLOAD_SWEEP, ownUploadFolder, sweepUploads } from '../../jobs/upload-sweep'
import {
  type Uploader, UPLOAD_MESSAGES, commitUpload, createUpload, discardUpload, getUpload, remapUpload, uploadContext, uploadsIdle,
} from '../../ingest/uploads'

const ANALYSTS: readonly Role[] = ['admin', 'analyst']
const UploadTransitions = Type.Object({
  statuses: Type.Array(Type.Object({ status: Type.String(), label: Type.String() })),
  transitions: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), step: Type.String() })),
})

export const ROUTE_MESSAGES = {
  tooLarge: (max: number) => `上传文件超过 ${Math.round(max / 1024 / 1024)} MB 上限 / the file is larger than the limit of ${Math.round(max / 1024 / 1024)} MB`,
  notMultipart: '请以 multipart/form-data 上传（字段：layer、file，可选 crs、confirmCrs、encoding、sourceLayer、mapping） / send multipart/form-data with the fields layer and file (optional crs, confirmCrs, encoding, sourceLayer, mapping)',
  badConfirm: (v: string) => `字段 confirmCrs 应为 true 或 false：${v} / the field "confirmCrs" must be true or false, got "${v}"`,
  noFile: '缺少上传文件（字段 file） / the field "file" (the file to upload) is missing',
  noLayer: '缺少图层（字段 layer：parcels、batches、contracts、plan_zones、clusters、changes） / the field "layer" is missing (parcels, batches, contracts, plan_zones, clusters, changes)',
  twoFiles: '一次只能上传一个文件（字段 file） / upload one file, in the field "file"',
  badMapping: (why: string) => `字段 mapping 应为 JSON 对象 {"目标字段": "源字段"}：${why} / the field "mapping" must be a JSON object {"target": "source column"}: ${why}`,
  badField: (name: string) => `未知字段 ${name} / unknown field "${name}"`,
  tooLong: (name: string, max: number) => `字段 ${name} 超过 ${max} 个字符 / the field "${name}" is longer than ${max} characters`,
} as const

const UploadId = Type.Object({ id: Type.String({ maxLength: 64 }) })
const Created = Type.Object({
  id: Type.String(),
  status: Type.String(),
  report: Type.Unknown({ description: 'the validation report; null while a large upload is checked in the background' }),
})
const CommitBody = Type.Object({
  skipRejected: Type.Optional(Type.Boolean({ description: 'commit the accepted features and leave out the rejected ones' })),
  acceptWarnings: Type.Optional(Type.Boolean({ description: 'the warnings of the report were reviewed: commit anyway' })),
}, { additionalProperties: false })
const CommitResultSchema = Type.Object({ inserted: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() })
const MappingBody = Type.Object({
  mapping: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Union([Type.String({ maxLength: 255 }), Type.Null()]), {
    description: '{"目标字段 target field": "源字段 source column" | null}: the whole new mapping, as in the upload',
  }),
}, { additionalProperties: false })
const FeaturesQuery = Type.Object({
  bbox: Type.Optional(Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', maxLength: 200, description: 'west,south,east,north in EPSG:4490' })),
  limit: Type.Integer({ minimum: 1, maximum: 50_000, default: 5000 }),
})

/** The multipart form of POST /api/uploads, for the OpenAPI document (`documentBody`) and for
 * receive(): the handler reads the parts as they stream (request.parts()), so Fastify validates no
 * body; receive() takes only these text fields, each within its maxLength (plugins/input.ts: every
 * input states its bounds), and refuses a NUL in any of them. */
const UploadForm = Type.Object({
  layer: Type.String({ enum: [...LAYERS], description: '图层 the layer to write: parcels 宗地, batches 批次, contracts 供地合同, plan_zones 规划分区, clusters 集聚区边界, changes 遥感变化图斑' }),
  file: Type.String({
    format: 'binary',
    description: '一个文件 one file: a .zip of shapefiles (.shp .shx .dbf, with .prj and .cpg when there are), a GeoJSON or GeoJSONSeq (.geojsons/.geojsonl), a GeoPackage (.gpkg), ' +
      'KML or KMZ, DXF, CSV or XLSX with a WKT column or X/Y (经度/纬度) columns, or a 国土 coordinate TXT (界址点坐标交换格式)',
  }),
  crs: Type.Optional(Type.String({
    maxLength: 64,
    description: '坐标系 the CRS as an EPSG code (EPSG:4546 or 4546), when the file does not say or says it wrong; checked against the coordinates and the city\'s extent. ' +
      'Where the file declares another CRS (.prj, a GeoJSON crs member, a coordinate TXT\'s 坐标系/带号) it is refused unless confirmCrs is true',
  })),
  confirmCrs: Type.Optional(Type.String({
    enum: ['true', 'false', '1', '0'],
    description: '确认按指定坐标系读取 true: read the file in the stated crs even where the file declares another (default false)',
  })),
  encoding: Type.Optional(Type.String({ maxLength: 40, description: '字符编码 the text encoding of the attributes (gbk, utf8, gb18030…), when the file does not say' })),
  sourceLayer: Type.Optional(Type.String({
    maxLength: 200,
    description: '源图层 the layer to read from a file with several: a GeoPackage table, a KML folder, a DXF layer or an XLSX sheet (the report lists them with their counts); ' +
      'without it the single layer holding polygons',
  })),
  mapping: Type.Optional(Type.String({
    maxLength: 64 * 1024,
    description: '字段对应 JSON {"target field": "source column" | null}, e.g. {"code": "宗地编号"}; without it the mapping is proposed from the column names',
  })),
}, { additionalProperties: false })

/** The text fields of the form and the longest value each takes (an enum: its longest member;
 * the values are trimmed, so a little room for spaces). */
const TEXT_FIELDS = new Map(Object.entries(UploadForm.properties).filter(([name]) => name !== 'file').map(([name, schema]) => {
  const { maxLength, enum: members } = schema as { maxLength?: number; enum?: string[] }
  return [name, maxLength ?? Math.max(...members!.map((m) => m.length)) + 16] as const
}))


interface Received {
  path: string
  fileName: string
  sha256: string
  sizeBytes: number
  fields: Record<string, string>
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = app.config.ingest
  const maxBytes = app.config.maxUploadBytes
  await mkdir(settings.tmpDir, { recursive: true })
  // the staging, the checks and the commit are jobs of app.jobs (kind 'upload'): run once across
  // processes, each taken over by another process when the one running it dies
  const ctx = uploadContext({
    db: app.db,
    useCopy: app.database.mode === 'server',
    settings,
    limits: readLimitsOf(app.config, settings),
    jobs: app.jobs,
    log: app.log,
  })
  // Uploads a previous process left mid-way with no job to finish them (it died between recording
  // the upload and queuing its staging job) never finish: say so (the upload fails with its reason; nothing of it was committed). Not while another
  // OneMap process listens on this database (server/signals.ts): the upload may be its own, in
  // that moment.
  const peers = app.signals ? await app.signals.peers() : 0
  if (peers === 0) {
    const interrupted = await app.db.uploads.failInterrupted(UPLOAD_MESSAGES.interrupted)
    if (interrupted) app.log.warn({ interrupted }, 'uploads left unfinished by the previous process were marked failed')
  } else {
    app.log.info({ peers }, 'other OneMap processes use this database: uploads in progress are left to them')
  }
  // While it runs, every process sweeps what a dead process left: uploads stuck mid-way with no
  // job, and received files no open job reads (server/jobs/upload-sweep.ts)
  app.jobs.chore('upload-sweep', UPLOAD_SWEEP.everyMs, async () => {
    const swept = await sweepUploads(app.db, ownUploadFolder(settings.tmpDir))
    if (swept.gaveUp || swept.failedUploads || swept.removed.length) app.log.warn(swept, 'upload sweep: what dead processes left is cleared')
  })
  app.addHook('onClose', async () => {
    await uploadsIdle(ctx)
  })

  // Only here, not app-wide: no other route takes files.
  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 1024 * 1024, parts: 10 },
  })

  const uploader = (request: FastifyRequest): Uploader => ({ username: request.user!.username, userId: request.user!.id, scope: request.viewer.scope })

  /** The file to a new folder of the upload folder (ONEMAP_UPLOAD_DIR, which every process of a
   * server sees) under a fixed name (the client's name is never a path), hashed as it streams; 413
   * past the limit. The folder is removed on every path out of here that queues no staging job;
   * else by the process that ran the job, once it has ended (ingest/uploads.ts stageStep). */
  async function receive(request: FastifyRequest): Promise<{ received: Received; dir: string; cleanup: () => Promise<void> }> {
    if (!request.isMultipart()) throw new HttpError(415, 'upload_not_multipart', ROUTE_MESSAGES.notMultipart)
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) {
      throw new HttpError(413, 'upload_too_large', ROUTE_MESSAGES.tooLarge(maxBytes))
    }
    const dir = await mkdtemp(join(settings.tmpDir, RECEIVED_DIR_PREFIX))
    const cleanup = () => rm(dir, { recursive: true, force: true })
    try {
      const fields: Record<string, string> = {}
      let file: Omit<Received, 'fields'> | null = null
      let parts = 0
      for await (const part of request.parts()) {
        parts++
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file) {
            part.file.resume()
            throw new HttpError(400, 'upload_two_files', ROUTE_MESSAGES.twoFiles)
          }
          const path = join(dir, 'received')
          const hash = createHash('sha256')
          let size = 0
          await pipeline(part.file, new Transform({
            transform(chunk: Buffer, _enc, cb) {
              hash.update(chunk)
              size += chunk.length
              cb(null, chunk)
            },
          }), createWriteStream(path))
          if (part.file.truncated) throw new HttpError(413, 'upload_too_large', ROUTE_MESSAGES.tooLarge(maxBytes))
          // For messages and the kind (.zip/.geojson) only; control characters dropped.
          const fileName = basename(part.filename || 'upload').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) || 'upload'
          file = { path, fileName, sha256: hash.digest('hex'), sizeBytes: size }
        } else {
          const longest = TEXT_FIELDS.get(part.fieldname)
          if (longest === undefined) throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.badField(part.fieldname), { field: part.fieldname })
          const value = String(part.value ?? '')
          // multipart fields are not the JSON body the input plugin looks at
          if (value.includes('\u0000')) throw new HttpError(400, 'invalid_request', INPUT_MESSAGES.nul(part.fieldname), { field: part.fieldname })
          if (value.length > longest) throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.tooLong(part.fieldname, longest), { field: part.fieldname })
          fields[part.fieldname] = value
        }
      }
      if (parts === 0) throw new HttpError(400, 'bad_multipart', INPUT_MESSAGES.badMultipart('no part of the body is delimited by the declared boundary'))
      if (!file) throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.noFile, { field: 'file' })
      return { received: { ...file, fields }, dir, cleanup }
    } catch (e) {
      await cleanup()
      const code = (e as { code?: string }).code
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'upload_too_large', ROUTE_MESSAGES.tooLarge(maxBytes))
      if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') throw new HttpError(400, 'upload_two_files', ROUTE_MESSAGES.twoFiles)
      if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw new HttpError(415, 'upload_not_multipart', ROUTE_MESSAGES.notMultipart)
      throw multipartError(e) ?? e
    }
  }

  app.post('/', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'],
      summary: '上传并校验（暂存，不写入正式数据） / upload a zipped shapefile, GeoJSON, GeoPackage, KML/KMZ, DXF, CSV/XLSX or coordinate TXT: staged and checked, nothing written yet',
      documentBody: { consumes: ['multipart/form-data'], schema: UploadForm },
      response: { 201: Created },
    },
  }, async (request, reply) => {
    const { received, dir, cleanup } = await receive(request)
    const f = received.fields
    let handedOver = false
    try {
      if (!f.layer) throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.noLayer, { field: 'layer' })
      let mapping: Record<string, string | null> | undefined
      if (f.mapping?.trim()) {
        let parsed: unknown
        try {
          parsed = JSON.parse(f.mapping)
        } catch (e) {
          throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.badMapping((e as Error).message), { field: 'mapping' })
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) ||
            Object.values(parsed).some((v) => v !== null && typeof v !== 'string')) {
          throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.badMapping('not an object of strings'), { field: 'mapping' })
        }
        const nul = nulPath(parsed)
        if (nul) throw new HttpError(400, 'invalid_request', INPUT_MESSAGES.nul(`mapping.${nul}`), { field: 'mapping' })
        // "\ud800" in the JSON text: not text, and the mapping is kept as jsonb
        const broken = surrogatePath(parsed)
        if (broken) throw new HttpError(400, 'invalid_request', INPUT_MESSAGES.surrogate(`mapping.${broken}`), { field: 'mapping' })
        mapping = parsed as Record<string, string | null>
      }
      const confirm = (f.confirmCrs ?? '').trim()
      if (confirm && !/^(true|false|1|0)$/i.test(confirm)) throw new HttpError(400, 'invalid_request', ROUTE_MESSAGES.badConfirm(confirm), { field: 'confirmCrs' })
      handedOver = true // createUpload removes the folder, or its staging job does
      const created = await createUpload(ctx, {
        path: received.path, fileName: received.fileName, sha256: received.sha256, sizeBytes: received.sizeBytes,
        layer: f.layer.trim(), crs: f.crs?.trim() || undefined, confirmCrs: /^(true|1)$/i.test(confirm),
        encoding: f.encoding?.trim() || undefined, sourceLayer: f.sourceLayer?.trim() || undefined, mapping,
        user: uploader(request), dir,
      })
      return reply.status(201).send(created)
    } finally {
      if (!handedOver) await cleanup()
    }
  })

  app.get('/transitions', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'],
      summary: '上传状态流转 / the upload state machine as a table: every move of an upload\'s status and the step that makes it (the database refuses any other)',
      response: { 200: UploadTransitions },
    },
  }, async () => ({
    statuses: Object.entries(UPLOAD_STATUS).map(([status, label]) => ({ status, label })),
    transitions: await app.db.uploads.transitions(),
  }))

  app.get('/:id', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'], summary: '上传状态、进度与校验报告 / an upload: status, phase and percent, the validation report',
      params: UploadId,
    },
  }, async (request) => getUpload(ctx, request.params.id, uploader(request)))

  app.get('/:id/features', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'],
      summary: '暂存要素预览（GeoJSON，EPSG:4490） / the staged features to draw before committing (GeoJSON, EPSG:4490), with their issues',
      params: UploadId, querystring: FeaturesQuery,
    },
  }, async (request, reply) => {
    await getUpload(ctx, request.params.id, uploader(request))
    const bbox = request.query.bbox ? request.query.bbox.split(',').map(Number) as [number, number, number, number] : null
    const collection = await app.db.uploads.features(request.params.id, bbox, request.query.limit)
    return reply.type('application/geo+json').send(collection)
  })

  app.put('/:id/mapping', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'],
      summary: '修改字段对应并重新校验（无需重新上传文件） / change the field mapping of a staged upload and check it again, without sending the file again',
      params: UploadId, body: MappingBody,
      response: { 200: Created, 202: Created },
    },
  }, async (request, reply) => {
    const out = await remapUpload(ctx, request.params.id, uploader(request), request.body.mapping)
    return reply.status(out.status === 'validating' ? 202 : 200).send(out)
  })

  app.post('/:id/commit', {
    config: { access: ANALYSTS },
    schema: {
      tags: ['uploads'],
      summary: '提交：一次事务写入正式数据 / commit the staged upload in one transaction',
      params: UploadId, body: CommitBody,
      response: { 200: CommitResultSchema, 202: Type.Object({ id: Type.String(), status: Type.String() }) },
    },
    // A commit without options may come with no body at all.
    preValidation: async (request) => {
      if (request.body === undefined || request.body === null) request.body = {}
    },
  }, async (request, reply) => {
    const outcome = await commitUpload(ctx, request.params.id, uploader(request), {
      skipRejected: request.body?.skipRejected, acceptWarnings: request.body?.acceptWarnings,
    })
    if (outcome.status === 'committing') return reply.status(202).send({ id: request.params.id, status: 'committing' })
    return outcome.result
  })

  app.delete('/:id', {
    config: { access: ANALYSTS },
    schema: { tags: ['uploads'], summary: '放弃上传，删除暂存数据 / discard an upload and its staged features', params: UploadId },
  }, async (request) => {
    const u = await discardUpload(ctx, request.params.id, uploader(request))
    return { id: u.id, status: u.status }
  })
}

export default routes
