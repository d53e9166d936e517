/** The LISTEN/NOTIFY bridge against a real PostgreSQL: a message published in this process goes out
 * (pg_notify) and comes back to no one here; one sent by another process is published here; a lost
 * listening connection is re-made and says 'resync' (messages may have been missed). */
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publish, subscribe, type ChangeMessage } from './events'
import { SIGNAL_CHANNEL, SignalBridge } from './signals'
import { createTestDatabase, type TestDatabase } from './test/db'
import { budget } from './test/budget'

let t: TestDatabase
const quiet = () => undefined
const log = { info: quiet, error: quiet, warn: quiet, debug: quiet, trace: quiet, fatal: quiet, child: () => log } as unknown as FastifyBaseLogger

beforeAll(async () => { t = await createTestDatabase() })
afterAll(async () => t.drop())

async function until(what: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 20))
}

describe('the signal bridge', () => {
  it('sends what is published here, applies what others send, skips its own, and re-listens after a lost connection', async () => {
    const bridge = new SignalBridge(t.db, log)
    await bridge.start()
    const got: ChangeMessage[] = []
    const off = subscribe((m) => { got.push(m) })
    // another listener on the channel stands for another process
    const other = await t.db.connect({ direct: true })
    const heard: string[] = []
    other.client.on('notification', (n) => heard.push(n.payload!))
    await other.none('LISTEN $1:name', [SIGNAL_CHANNEL])
    try {
      publish({ kind: 'session-revoked', userId: 42 })
      await bridge.flush()
      await until(() => heard.length === 1)
      expect(JSON.parse(heard[0]!)).toEqual({ o: bridge.origin, m: { kind: 'session-revoked', userId: 42 } })
      expect(got).toEqual([{ kind: 'session-revoked', userId: 42 }]) // the local publish only, not its echo

      // from another process: published here, and not sent back out
      await t.db.any('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, JSON.stringify({ o: 'elsewhere', m: { kind: 'land-changed', target: 'parcel', bbox: [112, 34, 112.1, 34.1] } })])
      await until(() => got.length === 2)
      expect(got[1]).toEqual({ kind: 'land-changed', target: 'parcel', bbox: [112, 34, 112.1, 34.1] })
      expect(bridge.stats).toMatchObject({ listening: true, sent: 1, received: 1, receivedKinds: { 'land-changed': 1 } })
      // junk on the channel is ignored
      await t.db.any('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, 'not json'])

      // the listening connection dies (a server restart, a network cut): re-made, and 'resync' here
      await t.db.any("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN \"onemap_signal\"' AND pid <> $1", [other.client.processID])
      await until(() => bridge.stats.reconnects === 1 && bridge.stats.listening)
      expect(got.at(-1)).toEqual({ kind: 'resync' })
      await t.db.any('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, JSON.stringify({ o: 'elsewhere', m: { kind: 'job-queued' } })])
      await until(() => got.some((m) => m.kind === 'job-queued'))
      expect(bridge.stats.received).toBe(2)
    } finally {
      off()
      await other.done(true)
      await bridge.stop()
    }
  }, budget(5_000))

  it('counts the other processes listening on the database (a start leaves their uploads in progress alone)', async () => {
    const first = new SignalBridge(t.db, log)
    await first.start()
    const second = new SignalBridge(t.db, log)
    try {
      expect(await first.peers()).toBe(0)
      await second.start()
      expect(await first.peers()).toBe(1)
      expect(await second.peers()).toBe(1)
      await second.stop()
      await until(async () => (await first.peers()) === 0)
    } finally {
      await second.stop()
      await first.stop()
    }
  }, budget(3_000))
})
