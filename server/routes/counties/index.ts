/** County outlines (区县界) and the city's extent: public reference data for the map and the
 * upload page (the extent is what every stored shape must lie in). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpError } from '../../errors'
import { CityExtent, CountyCollection } from '../../schemas/county'

const NOT_LOADED = '未加载区县界 / no county boundaries are loaded'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: 'public' },
    schema: {
      tags: ['counties'], summary: '区县界（GeoJSON，EPSG:4490） / the county outlines (GeoJSON, EPSG:4490), with their source and precision',
      response: { 200: CountyCollection },
    },
  }, async (_request, reply) => {
    const fc = await app.db.counties.list()
    if (!fc) throw new HttpError(404, 'not_found', NOT_LOADED)
    reply.type('application/geo+json')
    return fc
  })

  app.get('/extent', {
    config: { access: 'public' },
    schema: {
      tags: ['counties'], summary: '市域范围（区县界合并后按精度外扩） / the city\'s extent: the county outlines united and widened by their precision',
      response: { 200: CityExtent },
    },
  }, async (_request, reply) => {
    const f = await app.db.counties.extent()
    if (!f) throw new HttpError(404, 'not_found', NOT_LOADED)
    reply.type('application/geo+json')
    return f
  })
}
export default routes
