import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const Health = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('server')]),
    postgis: Type.String({ description: 'PostGIS library version' }),
  }),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: 'public' },
    schema: { tags: ['system'], summary: '服务状态 / service health', response: { 200: Health } },
  }, async () => {
    await app.db.one('SELECT 1')
    return { status: 'ok' as const, database: { mode: app.database.mode, postgis: app.database.postgis } }
  })
}
export default routes
