/** Public disclosure (§四(四) "适时公布批而未供、闲置、低效用地信息，接受社会监督"): the lists of
 * approved-unsupplied, idle and inefficient land, reachable without login, as dated snapshots that
 * stay retrievable — JSON, GeoJSON, CSV, XLSX and vector tiles for the public map. Every public
 * answer is built from governance.disclosure_item, whose columns hold no enterprise tax, output,
 * price or personal data. Publishing a snapshot and changing what is published need a login. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpError } from '../../errors'
import { FileAnswer, MEDIA } from '../../schemas/common'
import { ROLES } from '../../config'
import { disclosureTablesOf } from '../../governance/tables'
import { reportCsv, reportWorkbook } from '../../governance/xlsx'
import { geojsonToMvt } from '../../tiles/encoders'
import { EXTENT, MARGIN, isValidTile, tileBounds } from '../../tiles/tile-math'
import { generate } from '../reports'
import { DisclosureCollection, DisclosureList, DisclosurePreview, DisclosureSnapshot } from '../../schemas/disclosure'
import { ReportInputError } from '../../db/repos/governance'

export const DISCLOSURE_MESSAGES = {
  none: '尚未发布公开清单 / no disclosure has been published yet',
  noSnapshot: (id: string) => `没有公开清单快照 ${id} / no disclosure snapshot ${id}`,
  badTile: (z: number, x: number, y: number) => `瓦片编号无效 / no tile ${z}/${x}/${y}`,
  future: (asOf: string, today: string) => `基准日 ${asOf} 晚于今天 ${today} / asOf ${asOf} is after today (${today})`,
  cityOnly: '公开清单面向全市，仅市级用户可发布 / only a user without a county scope may publish the city\'s lists',
} as const

/** Who publishes the lists: the city bureau (a county-scoped user is refused). */
const PUBLISHERS = ['admin', 'analyst'] as const

const SnapshotId = Type.Object({
  id: Type.String({ pattern: '^(\\d{1,12}|latest)$', maxLength: 12, description: 'snapshot id, or latest' }),
})
const XLSX = MEDIA.xlsx
const LAYER = 'disclosure'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const idOf = (raw: string) => (raw === 'latest' ? null : Number(raw))

  /** A numbered snapshot never changes: cache it for good; "latest" moves with each publication. */
  const cache = (reply: FastifyReply, raw: string) =>
    reply.header('cache-control', raw === 'latest' ? 'no-cache' : 'public, max-age=31536000, immutable')

  async function snapshot(request: FastifyRequest, raw: string) {
    const s = await request.db.governance.disclosure(idOf(raw))
    if (!s) throw new HttpError(404, 'not_found', raw === 'latest' ? DISCLOSURE_MESSAGES.none : DISCLOSURE_MESSAGES.noSnapshot(raw))
    return s
  }

  app.get('/', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '最新公开清单 / the latest published lists (public, no login)', response: { 200: DisclosureSnapshot } },
  }, async (request, reply) => {
    cache(reply, 'latest')
    return snapshot(request, 'latest')
  })

  app.get('/snapshots', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '历次公开清单 / every published snapshot, newest first (public)', response: { 200: DisclosureList } },
  }, async (request) => ({ snapshots: await request.db.governance.disclosures() }))

  app.get('/snapshots/:id', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '一次公开清单 / one snapshot as published (public)', params: SnapshotId, response: { 200: DisclosureSnapshot } },
  }, async (request, reply) => {
    cache(reply, request.params.id)
    return snapshot(request, request.params.id)
  })

  app.get('/snapshots/:id/export.geojson', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '公开清单 GeoJSON / a snapshot with its shapes (public)', params: SnapshotId, response: { 200: DisclosureCollection } },
  }, async (request, reply) => {
    const fc = await request.db.governance.disclosureGeojson(idOf(request.params.id))
    if (!fc) throw new HttpError(404, 'not_found', DISCLOSURE_MESSAGES.noSnapshot(request.params.id))
    cache(reply, request.params.id)
    return reply.type('application/geo+json').header('content-disposition', `attachment; filename="disclosure-${fc.snapshot_id}.geojson"`).send(fc)
  })

  app.get('/snapshots/:id/export.csv', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '公开清单 CSV（UTF-8 带 BOM）/ a snapshot as CSV (public)', params: SnapshotId, response: { 200: FileAnswer([MEDIA.csv], 'RFC 4180, UTF-8 with BOM') } },
  }, async (request, reply) => {
    const s = await snapshot(request, request.params.id)
    cache(reply, request.params.id)
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="disclosure-${s.id}.csv"; filename*=UTF-8''${encodeURIComponent(`公开清单-${s.as_of}.csv`)}`)
      .send(reportCsv(disclosureTablesOf(s)))
  })

  app.get('/snapshots/:id/export.xlsx', {
    config: { access: 'public', reads: 'replica' },
    schema: { tags: ['disclosure'], summary: '公开清单 XLSX / a snapshot as XLSX (public)', params: SnapshotId, response: { 200: FileAnswer([MEDIA.xlsx], 'the workbook') } },
  }, async (request, reply) => {
    const s = await snapshot(request, request.params.id)
    cache(reply, request.params.id)
    return reply.type(XLSX)
      .header('content-disposition', `attachment; filename="disclosure-${s.id}.xlsx"; filename*=UTF-8''${encodeURIComponent(`公开清单-${s.as_of}.xlsx`)}`)
      .send(await reportWorkbook(disclosureTablesOf(s)))
  })

  app.get('/snapshots/:id/tiles/:z/:x/:y.mvt', {
    config: { access: 'public', reads: 'replica' },
    schema: {
      tags: ['disclosure'], summary: '公开清单矢量瓦片 / a snapshot as Mapbox vector tiles, layer "disclosure" (public)',
      params: Type.Object({
        id: SnapshotId.properties.id,
        z: Type.Integer({ minimum: 0, maximum: 20 }), x: Type.Integer({ minimum: 0, maximum: 2 ** 20 - 1 }), y: Type.Integer({ minimum: 0, maximum: 2 ** 20 - 1 }),
      }),
      response: { 200: FileAnswer([MEDIA.mvt], 'a Mapbox vector tile, layer "disclosure"') },
    },
  }, async (request, reply) => {
    const { z, x, y } = request.params
    if (!isValidTile({ z, x, y })) throw new HttpError(400, 'invalid_request', DISCLOSURE_MESSAGES.badTile(z, x, y))
    const id = await request.db.governance.disclosureId(idOf(request.params.id))
    if (id === null) throw new HttpError(404, 'not_found', DISCLOSURE_MESSAGES.noSnapshot(request.params.id))
    const [w, s, e, n] = tileBounds({ z, x, y })
    const mw = (e - w) * MARGIN
    const mh = (n - s) * MARGIN
    // simplified by one MVT unit at this zoom, in degrees
    const features = await request.db.governance.disclosureTileFeatures(id, [w - mw, s - mh, e + mw, n + mh], (e - w) / EXTENT)
    cache(reply, request.params.id)
    return reply.type('application/vnd.mapbox-vector-tile').send(geojsonToMvt(LAYER, features, { z, x, y }))
  })

  app.get('/settings', {
    config: { access: ROLES },
    schema: {
      tags: ['disclosure'], summary: '公开设置 / per county, which classes are published at a date (county rule disclosure_publish)',
      querystring: Type.Object({ asOf: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }),
    },
  }, async (request) => {
    const asOf = request.query.asOf ?? await app.db.governance.today()
    return { as_of: asOf, settings: await app.db.governance.disclosureSettings(asOf) }
  })

  app.put('/settings', {
    config: { access: ['admin'], audit: 'setting_changed' },
    schema: {
      tags: ['disclosure'],
      summary: '设置公开类别 / publish a class or not, for a county (or the city-wide default) from a date on: a county_rule row',
      body: Type.Object({
        county: Type.Union([Type.String({ maxLength: 6, pattern: '^4103\\d\\d$' }), Type.Null()], { description: 'null: the city-wide default' }),
        class: Type.Union([Type.Literal('unsupplied'), Type.Literal('idle'), Type.Literal('inefficient')]),
        publish: Type.Boolean(),
        from: Type.String({ format: 'date', description: 'effective from' }),
        note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
      }, { additionalProperties: false }),
    },
  }, async (request) => {
    const b = request.body
    const note = b.note ?? `信息公开设置：${b.class} ${b.publish ? '公开' : '不公开'}`
    const ruleId = await app.db.governance.setDisclosure({ county: b.county, class: b.class, publish: b.publish, from: b.from, note }, request.viewer)
    request.auditDetail = { setting: 'disclosure_publish', rule_id: ruleId, county: b.county, class: b.class, publish: b.publish, from: b.from }
    return { rule_id: ruleId, settings: await app.db.governance.disclosureSettings(b.from) }
  })

  // The publisher sees first exactly what the public will see (the rows of a publication made now,
  // computed and read back as publishing does, then rolled back): nothing is stored or audited.
  app.post('/preview', {
    config: { access: PUBLISHERS },
    schema: {
      tags: ['disclosure'], summary: '预览公开清单 / exactly what publishing now would show the public (nothing stored)',
      body: Type.Optional(Type.Object({ asOf: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false })),
      response: { 200: DisclosurePreview },
    },
  }, async (request) => {
    if (request.user!.county_scope !== null) throw new HttpError(403, 'forbidden', DISCLOSURE_MESSAGES.cityOnly)
    const today = await app.db.governance.today()
    const asOf = request.body?.asOf ?? today
    if (asOf > today) throw new HttpError(400, 'invalid_request', DISCLOSURE_MESSAGES.future(asOf, today), { field: 'asOf' })
    let s
    try {
      s = await app.db.governance.previewDisclosure(asOf, request.viewer)
    } catch (e) {
      if (e instanceof ReportInputError) throw new HttpError(400, 'invalid_request', e.message)
      throw e
    }
    return { as_of: s.as_of, basis: s.basis, settings: s.settings, counts: s.counts, items: s.items }
  })

  app.post('/publish', {
    config: { access: PUBLISHERS, audit: 'published' },
    schema: {
      tags: ['disclosure'], summary: '发布公开清单 / publish the lists at a date (default today) as a dated snapshot that stays retrievable',
      body: Type.Optional(Type.Object({ asOf: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false })),
    },
  }, async (request, reply) => {
    if (request.user!.county_scope !== null) throw new HttpError(403, 'forbidden', DISCLOSURE_MESSAGES.cityOnly)
    const today = await app.db.governance.today()
    const asOf = request.body?.asOf ?? today
    if (asOf > today) throw new HttpError(400, 'invalid_request', DISCLOSURE_MESSAGES.future(asOf, today), { field: 'asOf' })
    const r = await generate(app, { kind: 'disclosure', period: asOf, asOf, scope: null, params: {} }, request.viewer)
    request.auditDetail = { snapshot: r.id, as_of: r.as_of, counts: r.result.counts }
    reply.status(201).header('location', `/api/disclosure/snapshots/${r.id}`)
    return { id: r.id, as_of: r.as_of, published_at: r.generated_at, counts: r.result.counts, data_version: r.data_version, report: `/api/reports/${r.id}` }
  })
}
export default routes
