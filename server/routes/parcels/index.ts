import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import { notFound } from '../../errors'
import { scopeOf } from '../../plugins/auth'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/:code', {
    config: { access: ROLES },
    schema: {
      tags: ['parcels'], summary: '宗地卡片 / one parcel card (一宗一卡)',
      params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
    },
  }, async (request, reply) => {
    const card = await app.db.parcels.card(request.params.code, scopeOf(request.user))
    // Out of scope answers exactly like missing: the caller learns nothing about other counties.
    if (!card) throw notFound('宗地 parcel', request.params.code)
    reply.type('application/geo+json')
    return card
  })
}
export default routes
