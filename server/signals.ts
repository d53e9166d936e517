/** The one channel of server/events.ts carried between processes by PostgreSQL's LISTEN/NOTIFY on
 * the primary: each process keeps one dedicated connection listening on `onemap_signal`, sends
 * every message published in it (tile invalidation, session revocation, a queued job) with
 * pg_notify, and publishes here what the others sent. The connection is re-made when lost (the
 * pg-promise "robust listener"); what was sent while it was down is unknown, so a reconnection
 * publishes 'resync' here, which drops every cache that messages keep fresh. Only on a server: the
 * embedded database serves one process. */
import crypto from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { IConnected, ILostContext } from 'pg-promise'
import type { Db } from './db/pgp'
import { publish, subscribe, type ChangeMessage } from './events'

export const SIGNAL_CHANNEL = 'onemap_signal'
/** NOTIFY refuses payloads of 8000 bytes or more; a message past this is sent as 'resync'. */
const MAX_PAYLOAD = 7_900
const RECONNECT_MS = [250, 1_000, 5_000, 15_000]

/** A message that came from another process is being published here: not sent back out. */
let delivering = false

export interface SignalStats {
  listening: boolean
  sent: number
  received: number
  /** received, by message kind */
  receivedKinds: Record<string, number>
  reconnects: number
}

export class SignalBridge {
  /** Names this process in its notifications, so that it skips its own. */
  readonly origin = crypto.randomBytes(8).toString('hex')
  readonly stats: SignalStats = { listening: false, sent: 0, received: 0, receivedKinds: {}, reconnects: 0 }
  private conn: IConnected<unknown, never> | null = null
  private unsubscribe: (() => void) | null = null
  private retry: NodeJS.Timeout | null = null
  private failures = 0
  private stopped = false
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(private readonly db: Db, private readonly log: FastifyBaseLogger) {}

  async start(): Promise<void> {
    this.unsubscribe = subscribe((m) => {
      // resync is this process's own business; event-logged comes from the database itself
      if (!delivering && m.kind !== 'resync' && m.kind !== 'event-logged') this.send(m)
    })
    await this.connect(false)
  }

  /** Whether a message is on its way to the database: a write's answer waits for it (flush), so
   * that a client who reads from another process after the answer is not ahead of the message. */
  get pending(): boolean {
    return this.inFlight.size > 0
  }

  /** How many other processes listen on this database now (their listening connections). */
  async peers(): Promise<number> {
    const mine = (this.conn as unknown as { client: { processID: number } } | null)?.client.processID ?? 0
    return this.db.one(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN "${SIGNAL_CHANNEL}"' AND pid <> $1`,
      [mine], (r: { n: number }) => r.n)
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight])
  }

  private send(m: ChangeMessage): void {
    let payload = JSON.stringify({ o: this.origin, m })
    if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ o: this.origin, m: { kind: 'resync' } })
    const p = this.db.any('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, payload]).then(
      () => { this.stats.sent++ },
      (err) => this.log.error({ err, kind: m.kind }, 'signal not sent to the other processes'),
    )
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  private receive(payload: string): void {
    let parsed: { o?: string; m?: ChangeMessage }
    try {
      parsed = JSON.parse(payload)
    } catch {
      return
    }
    if (parsed.o === this.origin || !parsed.m || typeof parsed.m.kind !== 'string') return
    this.stats.received++
    this.stats.receivedKinds[parsed.m.kind] = (this.stats.receivedKinds[parsed.m.kind] ?? 0) + 1
    this.deliver(parsed.m)
  }

  private deliver(m: ChangeMessage): void {
    delivering = true
    try {
      publish(m)
    } catch (err) {
      this.log.error({ err, kind: m.kind }, 'a subscriber failed on a signal from another process')
    } finally {
      delivering = false
    }
  }

  private async connect(again: boolean): Promise<void> {
    if (this.stopped) return
    try {
      const conn = await this.db.connect({ direct: true, onLost: (err: unknown, e: ILostContext) => this.lost(err, e) })
      conn.client.on('notification', (n: { channel: string; payload?: string }) => {
        if (n.channel === SIGNAL_CHANNEL && n.payload) this.receive(n.payload)
      })
      await conn.none('LISTEN $1:name', [SIGNAL_CHANNEL])
      if (this.stopped) {
        await conn.done()
        return
      }
      this.conn = conn as unknown as IConnected<unknown, never>
      this.stats.listening = true
      this.failures = 0
      if (again) {
        this.stats.reconnects++
        this.log.warn('signal connection re-made: caches dropped, as messages may have been missed')
        this.deliver({ kind: 'resync' })
      }
    } catch (err) {
      if (!again) throw err
      this.log.error({ err }, 'signal connection not re-made; trying again')
      this.reconnectLater()
    }
  }

  private lost(err: unknown, e: ILostContext): void {
    this.conn = null
    this.stats.listening = false
    e.client.removeAllListeners('notification')
    if (this.stopped) return
    this.log.error({ err }, 'signal connection lost; re-making it')
    this.reconnectLater()
  }

  private reconnectLater(): void {
    if (this.stopped || this.retry) return
    const delay = RECONNECT_MS[Math.min(this.failures++, RECONNECT_MS.length - 1)]!
    this.retry = setTimeout(() => {
      this.retry = null
      void this.connect(true)
    }, delay)
    this.retry.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.retry) clearTimeout(this.retry)
    this.unsubscribe?.()
    await this.flush()
    const conn = this.conn
    this.conn = null
    this.stats.listening = false
    if (conn) await (conn as unknown as { done(kill?: boolean): Promise<void> | void }).done(true)
  }
}
