/** The process's job runner (server/jobs/queue.ts) as app.jobs: plugins and routes register the
 * kinds they run before the app is ready; it starts claiming then and stops (waiting for the job
 * it runs) when the app closes. Every process over one database runs the same kinds, and each job
 * once. */
import fp from 'fastify-plugin'
import { JobQueue } from '../jobs/queue'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobQueue
  }
}

export default fp(async (app) => {
  const fences = app.readFences
  const queue = new JobQueue(app.db, {
    leaseMs: app.config.jobs.leaseMs, pollMs: app.config.jobs.pollMs, log: app.log,
    // a job a user started wrote for them: their reads from a standby wait until it has replayed it
    // (server/db/read-fences.ts), as after a write of their own request
    onCommitted: fences ? async (claim) => { if (claim.created_by !== null) await fences.record(Number(claim.created_by)) } : undefined,
  })
  app.decorate('jobs', queue)
  app.addHook('onReady', async () => queue.start())
  app.addHook('onClose', async () => queue.stop())
}, { name: 'jobs', dependencies: ['replica-reads'] })
