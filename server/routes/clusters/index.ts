import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { notFound } from '../../errors'
import { ClusterCollection, ClusterFeature } from '../../schemas/cluster'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: 'public' },
    schema: {
      tags: ['clusters'], summary: '产业集聚区列表 / the 18 industrial clusters (GeoJSON)',
      response: { 200: ClusterCollection },
    },
  }, async (_request, reply) => {
    reply.type('application/geo+json')
    return app.db.clusters.list()
  })

  app.get('/:code', {
    config: { access: 'public' },
    schema: {
      tags: ['clusters'], summary: '单个产业集聚区 / one cluster',
      params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
      response: { 200: ClusterFeature },
    },
  }, async (request, reply) => {
    const f = await app.db.clusters.get(request.params.code)
    if (!f) throw notFound('产业集聚区 cluster', request.params.code)
    reply.type('application/geo+json')
    return f
  })
}
export default routes
