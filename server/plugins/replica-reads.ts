/** The one place that decides where a request's reads go (server/db/replicas.ts). A route whose
 * reads tolerate a standby says `config: { reads: 'replica' }` and reads through `request.db`;
 * every other request's `request.db` is the primary (`app.db`), as are all writes.
 *
 * Read-your-writes: a successful write by a signed-in user records, after its commit, the
 * primary's WAL insert position in `read_fence` (on the primary, so every process sees it) and
 * answers it in `x-onemap-lsn`; that user's replica reads wait (ONEMAP_REPLICA_WAIT_MS) for a
 * standby to replay past it, else read the primary. A browser needs nothing for it: the fence is
 * the server's, per user (all the user's sessions and tokens). Every process keeps the fences in
 * memory, moved by the others' messages (server/db/read-fences.ts): a replica read asks the
 * primary nothing unless this process's listener is down. Anonymous reads (the public disclosure,
 * public tiles) have no fence. */
import fp from 'fastify-plugin'
import type { Db } from '../db/pgp'
import { ReadFences } from '../db/read-fences'
import { subscribe } from '../events'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'replica': the route's reads may be served by a streaming standby (read through request.db) */
    reads?: 'replica'
  }
  interface FastifyInstance {
    /** every user's read fence, kept in memory (null without read replicas) */
    readFences: ReadFences | null
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
  if (!replicas) {
    app.decorate('readFences', null)
    return
  }
  // every user's fence in memory, kept by messages from the other processes (server/db/read-fences.ts)
  const signals = app.signals
  const fences = new ReadFences(app.db, () => signals?.stats.listening ?? false)
  await fences.reload()
  app.decorate('readFences', fences)
  const unsubscribe = subscribe((m) => {
    if (m.kind === 'read-fence') fences.note(m.userId, m.lsn)
    // messages may have been missed while the listener was down: the map is read again
    if (m.kind === 'resync') fences.reload().catch((err) => app.log.error({ err }, 'read fences not read again; looked up one by one until they are'))
  })
  app.addHook('onClose', async () => unsubscribe())

  // plain hooks: no promise for the requests they leave alone (tiles, every other route)
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.routeOptions.config?.reads !== 'replica' || !READ_METHODS.has(request.method)) return done()
    const user = request.user
    const fence: Promise<string | null> = user ? fences.of(user.id) : Promise.resolve(null)
    fence.then((lsn) => replicas.forRead(lsn)).then((db) => {
      request.replicaDb = db
      done()
    }, (e: Error) => done(e))
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    if (READ_METHODS.has(request.method) || !request.user || reply.statusCode >= 400) return done(null, payload)
    // after the handler's commit: the insert position is at or past its commit record; the answer
    // leaves once the other processes' message is sent (their next read of this user waits for it)
    fences.record(request.user.id).then(async (lsn) => {
      reply.header('x-onemap-lsn', lsn)
      await signals?.flush()
      done(null, payload)
    }, (e: Error) => done(e))
  })
}, { name: 'replica-reads', dependencies: ['auth', 'signals'] })
