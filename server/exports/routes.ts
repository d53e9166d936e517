/** Exports: GET /api/exports/{collection}?format=…&crs=…&filter=…&bbox=… writes every feature
 * of an OGC collection (server/ogc/: clusters, counties, plan zones, parcels, batches, the
 * unsupplied remainders, contracts, changes, alerts, and each analysis finding with its reasons)
 * that the caller may see, with the fields the caller may see, selected by the same CQL2 filter
 * and bbox as /ogc/collections/{collection}/items, in GeoJSON, CSV, KML, XLSX, a zipped
 * shapefile, GeoPackage or DXF, in EPSG:4490 (default), 4326, or a Gauss-Krüger zone with
 * (4525/4526) or without (4546/4547) its zone number. Nothing is cut without saying so: the
 * count is in X-Feature-Count; DXF, built in memory, refuses more than X-Export-Limit features
 * (ONEMAP_EXPORT_MEMORY_LIMIT) with a 413 that names it.
 *
 * The count and the first batch are read before the first byte goes out, under the query
 * timeout when a filter or a bbox is given: a wrong or slow request is a clear 4xx/503, never a
 * cut file. X-Feature-Count is the count when the export began. Every export is audited (DOMAIN.md
 * "Governance": who exported what, how many rows, which sensitive fields). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { ITask } from 'pg-promise'
import { HttpError } from '../errors'
import { FileAnswer } from '../schemas/common'
import { fieldsOf, findCollection, mayReadCollection, type Asker } from '../ogc/collections'
import { OGC_MESSAGES, availableSources, itemsRequestOf } from '../ogc/routes'
import { countQuery } from '../ogc/sql'
import { ItemsQuery } from '../ogc/schemas'
import { withQueryTimeout } from '../ogc/timeout'
import { EXPORT_CRS_CODES, exportCrsOf } from './crs'
import { FORMATS, FORMAT_IDS } from './formats'
import { Out } from './out'
import { batchQuery, exportColumns, rowOf, type RawExportRow } from './source'

/** Features read per query: a batch is what memory holds of an export. */
export const EXPORT_BATCH = 2000

const ExportQuery = Type.Object({
  format: Type.Union(FORMAT_IDS.map((f) => Type.Literal(f)), { description: 'geojson | csv | kml | xlsx | shp (zipped, GBK) | gpkg | dxf' }),
  crs: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: `the CRS of the file, x first (longitude or easting): ${EXPORT_CRS_CODES.join(', ')} (default EPSG:4490)` })),
  bbox: ItemsQuery.properties.bbox,
  'bbox-crs': ItemsQuery.properties['bbox-crs'],
  filter: ItemsQuery.properties.filter,
  'filter-lang': ItemsQuery.properties['filter-lang'],
  'filter-crs': ItemsQuery.properties['filter-crs'],
}, { additionalProperties: false })

const MEDIA_TYPES = [...new Set(FORMATS.map((f) => f.media.split(';')[0]!))]

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const available = await availableSources(app.db)
  const srtext = new Map<number, string>()

  app.get('/:collectionId', {
    config: { access: 'public', audit: 'export' },
    schema: {
      tags: ['exports'],
      summary: '导出图层集合（GeoJSON、CSV、KML、Excel、Shapefile、GeoPackage、DXF，任选坐标系）/ export a collection, as the caller may see it, filtered like its OGC items',
      params: Type.Object({ collectionId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' }) }),
      querystring: ExportQuery,
      response: { 200: FileAnswer(MEDIA_TYPES, '导出文件 / the file (X-Feature-Count: its features)') },
    },
  }, async (request, reply) => {
    const q = request.query
    const asker: Asker = { role: request.viewer.role, scope: request.viewer.scope }
    const c = findCollection(request.params.collectionId)
    if (!c || !mayReadCollection(c, asker, available)) throw new HttpError(404, 'not_found', OGC_MESSAGES.noCollection(request.params.collectionId))
    const format = FORMATS.find((f) => f.id === q.format)!
    const crs = exportCrsOf(q.crs)
    if (!crs) throw new HttpError(400, 'unsupported_crs', OGC_MESSAGES.badCrs('crs', q.crs!), { field: 'crs' })
    const refusal = format.refuses(crs)
    if (refusal) throw new HttpError(400, 'unsupported_crs', refusal, { field: 'crs' })
    const r = { ...itemsRequestOf(c, asker, { bbox: q.bbox, 'bbox-crs': q['bbox-crs'], filter: q.filter, 'filter-crs': q['filter-crs'] }, app.config.sensitiveRoles, available), crs: crs.def }
    const attrs = fieldsOf(c, asker, app.config.sensitiveRoles)
    const columns = exportColumns(attrs)
    if (!srtext.has(crs.srid)) srtext.set(crs.srid, await app.db.one('SELECT srtext FROM spatial_ref_sys WHERE srid = $1', [crs.srid], (x: { srtext: string }) => x.srtext))

    const timeout = r.filter || r.bbox ? app.config.queryTimeoutMs : null
    // each statement in a short transaction of its own (under the query timeout when filtered),
    // none held while the reader reads: a slow reader must not keep a connection (the embedded
    // database has one, which the audit event of this very request needs); keyset batches give
    // each feature once however others write meanwhile
    const run = <T>(work: (t: ITask<unknown>) => Promise<T>) => app.db.tx('export', (t) => withQueryTimeout(t, timeout, () => work(t)))
    const read = (after: string | null) => {
      const b = batchQuery(c, attrs, available, r, crs, format.needs, after, EXPORT_BATCH)
      return run((t) => t.any(b.text, b.values) as Promise<RawExportRow[]>)
    }
    const cq = countQuery(c, available, r)
    const count = await run((t) => t.one(cq.text, cq.values, (x: { n: number }) => x.n) as Promise<number>)
    const limit = format.inMemory ? app.config.exportMemoryLimit : null
    if (limit !== null && count > limit) {
      throw new HttpError(413, 'export_too_large', `${format.title} 导出最多 ${limit} 个要素，本次 ${count} 个：请加筛选条件，或改用 GeoJSON、CSV、Shapefile / a ${format.title} export holds at most ${limit} features (this one ${count}): narrow it with filter or bbox, or use geojson, csv or shp`, { limit, count })
    }
    // the count and the first batch before the first byte: a wrong or slow request is a 4xx/503
    const first = await read(null)
    const out = new Out()
    const writer = format.make({ c, crs, columns, out, count, srtext: srtext.get(crs.srid)! })
    void (async () => {
      let batch = first
      while (batch.length) {
        for (const raw of batch) await writer.add(rowOf(raw, columns))
        batch = batch.length < EXPORT_BATCH ? [] : await read(batch[batch.length - 1]!.__key)
      }
      await writer.end()
      if (!out.stream.writableEnded) out.end()
    })().catch((e: unknown) => {
      // after the first byte there is no status left to give: the reader sees the file cut short
      // and the log says why
      request.log.error({ err: e }, 'export cut short')
      if (!out.stream.destroyed) out.stream.destroy(e instanceof Error ? e : new Error(String(e)))
    })
    const name = `${c.title}-${crs.code.replace(':', '')}.${format.ext}`
    request.auditDetail = {
      collection: c.id, format: format.id, crs: crs.code, rows: count,
      filter: q.filter ?? null, bbox: q.bbox ?? null,
      sensitive_fields: columns.filter((col) => col.sensitive && !col.domain).map((col) => col.name),
    }
    reply.header('content-type', format.media)
    reply.header('content-disposition', `attachment; filename="${c.id}.${format.ext}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    reply.header('content-crs', `<${crs.def.uri}>`)
    reply.header('x-feature-count', String(count))
    if (limit !== null) reply.header('x-export-limit', String(limit))
    reply.header('cache-control', 'private, no-store')
    reply.header('vary', 'Authorization')
    return reply.send(out.stream)
  })
}
export default routes
