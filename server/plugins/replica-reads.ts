/** The one place that decides where a request's reads go (server/db/replicas.ts). A route whose
 * reads tolerate a standby says `config: { reads: 'replica' }` and reads through `request.db`;
 * every other request's `request.db` is the primary (`app.db`), as are all writes.
 *
 * Read-your-writes: a successful write by a signed-in user records, after its commit, the
 * primary's WAL insert position in `read_fence` (on the primary, so every process sees it) and
 * answers it in `x-onemap-lsn`; that user's replica reads wait (ONEMAP_REPLICA_WAIT_MS) for a
 * standby to replay past it, else read the primary. A browser needs nothing for it: the fence is
 * the server's, per user (all the user's sessions and tokens). Anonymous reads (the public
 * disclosure, public tiles) have no fence and cost the primary nothing. */
import fp from 'fastify-plugin'
import type { Db } from '../db/pgp'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'replica': the route's reads may be served by a streaming standby (read through request.db) */
    reads?: 'replica'
  }
  interface FastifyRequest {
    /** the database this request reads from: a standby for `reads: 'replica'` routes when one is
     * fit, else the primary */
    db: Db
    replicaDb: Db | null
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export default fp(async (app) => {
  const replicas = app.database.replicas
  app.decorateRequest('replicaDb', null)
  app.decorateRequest('db', {
    getter(this: { replicaDb: Db | null }) {
      return this.replicaDb ?? app.db
    },
  })
  if (!replicas) return

  // plain hooks: no promise for the requests they leave alone (tiles, every other route)
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.routeOptions.config?.reads !== 'replica' || !READ_METHODS.has(request.method)) return done()
    const user = request.user
    const fence: Promise<string | null> = user
      ? app.db.oneOrNone('SELECT lsn::text AS lsn FROM read_fence WHERE user_id = $1', [user.id], (r: { lsn: string } | null) => r?.lsn ?? null)
      : Promise.resolve(null)
    fence.then((lsn) => replicas.forRead(lsn)).then((db) => {
      request.replicaDb = db
      done()
    }, (e: Error) => done(e))
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    if (READ_METHODS.has(request.method) || !request.user || reply.statusCode >= 400) return done(null, payload)
    // after the handler's commit: the insert position is at or past its commit record
    app.db.one(
      `INSERT INTO read_fence (user_id, lsn) VALUES ($1, pg_current_wal_insert_lsn())
       ON CONFLICT (user_id) DO UPDATE SET lsn = greatest(read_fence.lsn, EXCLUDED.lsn), at = now() RETURNING lsn::text AS lsn`,
      [request.user.id], (r: { lsn: string }) => r.lsn,
    ).then((lsn) => {
      reply.header('x-onemap-lsn', lsn)
      done(null, payload)
    }, (e: Error) => done(e))
  })
}, { name: 'replica-reads', dependencies: ['auth'] })
