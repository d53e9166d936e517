/** Carries the change channel (server/events.ts) between the processes over one primary
 * (server/signals.ts): only on a server; the embedded database serves one process. A write's answer
 * is sent once its messages are in the database's hands, so that the client's next request, to
 * whichever process, does not overtake them by more than the listener's delivery. */
import fp from 'fastify-plugin'
import { SignalBridge } from '../signals'

declare module 'fastify' {
  interface FastifyInstance {
    /** null with the embedded database */
    signals: SignalBridge | null
  }
}

export default fp(async (app) => {
  if (app.database.mode !== 'server') {
    app.decorate('signals', null)
    return
  }
  const bridge = new SignalBridge(app.db, app.log)
  await bridge.start()
  app.decorate('signals', bridge)
  // a plain hook: no promise per request unless a message is on its way
  app.addHook('onSend', (_request, _reply, payload, done) => {
    if (!bridge.pending) return done(null, payload)
    bridge.flush().then(() => done(null, payload), () => done(null, payload))
  })
  app.addHook('onClose', async () => bridge.stop())
}, { name: 'signals' })
