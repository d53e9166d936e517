/** Approval batches (批次): search (GeoJSON), one batch with the parcels on it, edit (If-Match). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import {
  bboxOf, expectedVersion, IfMatchHeaders, JsonText, landNotFound, listOf, nameUnknownFields, pageOf, setEtag, tokensOf,
} from '../../schemas/common'
import { BatchNo, BatchPage, BatchPatch, BatchSearchQuery, BatchView } from '../../schemas/batch'
import { EDITORS } from '../../common/roles'

const GEOJSON = 'application/geo+json'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)

  app.get('/', {
    config: { access: ROLES },
    schema: { tags: ['batches'], summary: '批次检索 / search approval batches (GeoJSON FeatureCollection)', querystring: BatchSearchQuery, response: { 200: JsonText(BatchPage) } },
  }, async (request, reply) => {
    const q = request.query
    const collection = await app.db.batches.search({
      county: listOf(q.county), cluster: listOf(q.cluster), tokens: tokensOf(q.q), bbox: bboxOf(q.bbox),
      approvedFrom: q.approved_from ?? null, approvedTo: q.approved_to ?? null, page: pageOf(q),
    }, request.viewer)
    return reply.type(GEOJSON).send(collection)
  })

  app.get('/:no', {
    config: { access: ROLES },
    schema: { tags: ['batches'], summary: '批次 / one approval batch with the parcels on it; ETag = version', params: BatchNo, response: { 200: JsonText(BatchView) } },
  }, async (request, reply) => {
    const found = await app.db.batches.view(request.params.no, request.viewer)
    if (!found) throw landNotFound('batch', request.params.no)
    setEtag(reply, found.version)
    return reply.type(GEOJSON).send(found.json)
  })

  app.patch('/:no', {
    config: { access: EDITORS },
    schema: {
      tags: ['batches'], summary: '修改批次 / edit an approval batch (If-Match)',
      params: BatchNo, headers: IfMatchHeaders, body: BatchPatch,
      response: { 200: JsonText(BatchView) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const found = await app.db.batches.patch(request.params.no, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, found.version)
    return reply.type(GEOJSON).send(found.json)
  })
}
export default routes
