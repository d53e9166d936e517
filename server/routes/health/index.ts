import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const Health = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('server')]),
    postgis: Type.String({ description: 'PostGIS library version' }),
  }),
  schemaVersion: Type.Union([Type.String(), Type.Null()], { description: 'the last applied migration' }),
  backup: Type.Object({
    state: Type.Union([Type.Literal('ok'), Type.Literal('none'), Type.Literal('missed'), Type.Literal('failed')], {
      description: 'ok; none: no backup yet and none due; missed: none for ONEMAP_BACKUP_ALERT_HOURS; failed: the last run failed',
    }),
    schedule: Type.Union([Type.String(), Type.Null()], { description: 'daily time of the scheduled backup, China Standard Time' }),
    lastRun: Type.Union([Type.Null(), Type.Object({ at: Type.String(), ok: Type.Boolean() })]),
    lastBackup: Type.Union([Type.Null(), Type.Object({ at: Type.String(), name: Type.String(), schemaVersion: Type.String() })]),
    alertHours: Type.Number(),
  }),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { access: 'public' },
    schema: { tags: ['system'], summary: '服务状态 / service health', response: { 200: Health } },
  }, async () => {
    await app.db.one('SELECT 1')
    const { error: _error, ...backup } = await app.backups.monitor.status()
    return {
      status: 'ok' as const, database: { mode: app.database.mode, postgis: app.database.postgis },
      schemaVersion: app.database.migration.schemaVersion, backup,
    }
  })
}
export default routes
