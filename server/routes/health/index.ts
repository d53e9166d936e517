/** Liveness and readiness. `GET /api/health` answers from the process alone, so that it answers
 * while a long write holds the database: the embedded PGlite has one connection, and a large
 * commit keeps it for seconds. `GET /api/health/ready` asks the database (one SELECT 1) and says
 * 503 "busy" rather than queue behind such a write. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Db } from '../../db/pgp'

const DatabaseState = Type.Object({
  mode: Type.Union([Type.Literal('embedded'), Type.Literal('server')]),
  postgis: Type.String({ description: 'PostGIS library version' }),
  busy: Type.Boolean({ description: 'every connection is in use (embedded: the one connection), so a request that asks the database waits' }),
  waiting: Type.Integer({ minimum: 0, description: 'requests waiting for a connection' }),
})

const Health = Type.Object({
  status: Type.Literal('ok'),
  database: DatabaseState,
  schemaVersion: Type.Union([Type.String(), Type.Null()], { description: 'the last applied migration (read at start, from memory)' }),
  signals: Type.Optional(Type.Object({
    listening: Type.Boolean({ description: "this process's LISTEN connection to the primary is up" }),
    sent: Type.Integer({ minimum: 0 }),
    received: Type.Integer({ minimum: 0, description: 'messages of other processes applied here (tile invalidation, session revocation, queued jobs)' }),
    receivedKinds: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'received, by message kind' }),
    reconnects: Type.Integer({ minimum: 0 }),
  }, { additionalProperties: false, description: 'the change channel between processes (server mode only; LISTEN/NOTIFY)' })),
  databases: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ description: "'primary', or a standby's host:port" }),
    role: Type.Union([Type.Literal('primary'), Type.Literal('standby')]),
    reachable: Type.Boolean({ description: 'answered the last check' }),
    inUse: Type.Boolean({ description: 'takes reads now (a standby: reachable, in recovery, lag within ONEMAP_REPLICA_MAX_LAG_MS)' }),
    lagMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: "how long the standby's replay has been behind the primary's WAL (0: caught up)" }),
    lagBytes: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: "WAL bytes between the primary's position and the standby's replay" }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'why the last check failed' }),
    reads: Type.Integer({ minimum: 0, description: "reads of this process's replica routes sent there since its start" }),
    fenceLookups: Type.Optional(Type.Integer({ minimum: 0, description: "the primary: users' read fences looked up there since the start (only while this process's listener is down; else they are kept in memory)" })),
  }, { additionalProperties: false }), {
    description: 'with read replicas (DATABASE_REPLICA_URLS): the primary and each standby as the last check (every ONEMAP_REPLICA_CHECK_MS) found them',
  })),
  backup: Type.Object({
    state: Type.Union([Type.Literal('ok'), Type.Literal('none'), Type.Literal('missed'), Type.Literal('failed')], {
      description: 'ok; none: no backup yet and none due; missed: none for ONEMAP_BACKUP_ALERT_HOURS; failed: the last run failed',
    }),
    schedule: Type.Union([Type.String(), Type.Null()], { description: 'daily time of the scheduled backup, China Standard Time' }),
    lastRun: Type.Union([Type.Null(), Type.Object({ at: Type.String(), ok: Type.Boolean() }, { additionalProperties: false })]),
    lastBackup: Type.Union([Type.Null(), Type.Object({ at: Type.String(), name: Type.String(), schemaVersion: Type.String() }, { additionalProperties: false })]),
    alertHours: Type.Number(),
  }, {
    additionalProperties: false,
    description: 'from the backup folder (one stat per request; read again only when the folder changes), never from the database',
  }),
}, { additionalProperties: false })

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('busy')], { description: 'busy: the database is held by a long write; retry later' }),
  database: DatabaseState,
}, { additionalProperties: false })

/** How long readiness waits for its SELECT 1 on a server before saying busy. */
const READY_WAIT_MS = 2_000

/** The pool's state, read from pg's Pool without a query. */
function poolState(db: Db): { busy: boolean; waiting: number } {
  const pool = db.$pool as unknown as { totalCount: number; idleCount: number; waitingCount: number; options: { max: number } }
  const waiting = pool.waitingCount
  const busy = waiting > 0 || (pool.totalCount >= pool.options.max && pool.idleCount === 0)
  return { busy, waiting }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const state = () => ({ mode: app.database.mode, postgis: app.database.postgis, ...poolState(app.db) })

  app.get('/', {
    config: { access: 'public' },
    schema: {
      tags: ['system'], summary: '存活检查 / liveness: answers from the process, without the database; says whether the database is busy, the schema version and the backup state',
      response: { 200: Health },
    },
  }, async () => {
    // no query: the schema version is what the start applied, the backup state comes from the backup folder
    const { error: _error, ...backup } = await app.backups.monitor.status()
    return {
      status: 'ok' as const, database: state(), schemaVersion: app.database.migration.schemaVersion, backup,
      ...(app.database.replicas ? {
        databases: app.database.replicas.health().map((d) => (d.role === 'primary' ? { ...d, fenceLookups: app.readFences?.lookups ?? 0 } : d)),
      } : {}),
      ...(app.signals ? { signals: { ...app.signals.stats, receivedKinds: { ...app.signals.stats.receivedKinds } } } : {}),
    }
  })

  app.get('/ready', {
    config: { access: 'public' },
    schema: {
      tags: ['system'], summary: '就绪检查 / readiness: the database answers a query now (503 busy while a long write holds it)',
      response: { 200: Ready, 503: Ready },
    },
  }, async (_request, reply) => {
    const before = state()
    // Every connection is taken (embedded: the one): a query would only queue behind them.
    if (before.busy) return reply.status(503).header('retry-after', '1').send({ status: 'busy', database: before })
    let timer: NodeJS.Timeout | undefined
    const answered = await Promise.race([
      app.db.one('SELECT 1').then(() => true),
      new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), READY_WAIT_MS) }),
    ]).finally(() => clearTimeout(timer))
    if (!answered) return reply.status(503).header('retry-after', '1').send({ status: 'busy', database: state() })
    return { status: 'ready' as const, database: state() }
  })
}
export default routes
