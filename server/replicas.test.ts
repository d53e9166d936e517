/** Read replicas with real streaming replication: a throwaway primary and a hot standby made by
 * pg_basebackup -R (server/test/pg-replication.ts), and two OneMap processes (server/main.ts)
 * whose replica routes read the standby (server/db/replicas.ts, server/plugins/replica-reads.ts).
 * A's standby may lag 1 s before it is skipped; B's 10 minutes, so that B keeps reading a standby
 * whose replay the test has paused, and what B answers shows where it read.
 *
 * Proved: a user's edit through A is in that user's card through B at once (read-your-writes: the
 * standby, paused, cannot pass the write, so B reads the primary) while another user still reads
 * the standby's older card, and sees the edit once the standby replays; a standby lagging past the
 * setting is skipped and taken again once it catches up; a tile cached in B is dropped by an edit
 * through A and encoded again with the edit; with the standby stopped, reads go on (from the
 * primary) and /api/health says it is down. The tests wait for states (a row replayed, a count in
 * /api/health), never for a time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from './auth'
import { openDatabase, type Database } from './db/connect'
import { pgp, type Db } from './db/pgp'
import { startReplicatedPair, type ReplicatedPair } from './test/pg-replication'
import { budget } from './test/budget'
import { signIn, startServer, stopServers, type ServerProcess as Proc } from './test/server-process'
import { Scenario } from './test/scenario'

const PASSWORD = 'replica-password-1'
const ORIGINAL_OWNER = '洛阳原权利人有限公司'

interface DbHealth { name: string; role: 'primary' | 'standby'; reachable: boolean; inUse: boolean; lagMs: number | null; lagBytes: number | null; error: string | null; reads: number; fenceLookups?: number }

const procs: Proc[] = []
let pair: ReplicatedPair
let database: Database
let standbyDb: Db
let parcelCode: string
let tile: { z: number; x: number; y: number }
let tile14: { z: number; x: number; y: number }
let a: Proc
let b: Proc

const startProcess = async (name: string, maxLagMs: number): Promise<Proc> => {
  const p = await startServer(name, {
    DATABASE_URL: pair.primary.urlFor('onemap'), DATABASE_REPLICA_URLS: pair.standby!.urlFor('onemap'),
    ONEMAP_REPLICA_MAX_LAG_MS: String(maxLagMs), ONEMAP_REPLICA_CHECK_MS: '100', ONEMAP_REPLICA_WAIT_MS: '300', ONEMAP_ADMIN_PASSWORD: 'replica-admin-1',
  })
  procs.push(p)
  return p
}

const pause = () => new Promise((r) => setTimeout(r, 25))

async function databases(p: Proc): Promise<{ primary: DbHealth; standby: DbHealth }> {
  const dbs = (await (await fetch(`${p.base}/api/health`)).json()).databases as DbHealth[]
  expect(dbs.map((d) => d.role)).toEqual(['primary', 'standby'])
  return { primary: dbs[0], standby: dbs[1] }
}

const signalsOf = async (p: Proc, kind: string): Promise<number> =>
  ((await (await fetch(`${p.base}/api/health`)).json()).signals?.receivedKinds?.[kind] ?? 0) as number

const login = (p: Proc, username: string) => signIn(p, username, PASSWORD)

async function ownerOf(p: Proc, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${p.base}/api/parcels/${encodeURIComponent(parcelCode)}`, { headers })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()).properties.owner_name
}

/** An edit of the parcel's owner through `p`; returns the LSN its answer carries. */
async function setOwner(p: Proc, headers: Record<string, string>, owner: string): Promise<string> {
  // the ETag from the primary: this user's fence (if any) or the primary itself answers it
  const version = (await database.db.one('SELECT version FROM parcel WHERE code = $1', [parcelCode])).version
  const edit = await fetch(`${p.base}/api/parcels/${encodeURIComponent(parcelCode)}`, {
    method: 'PATCH', headers: { ...headers, 'content-type': 'application/json', 'if-match': `"${version}"` },
    body: JSON.stringify({ owner_name: owner, note: '只读副本测试' }),
  })
  expect(edit.status, await edit.clone().text()).toBe(200)
  const lsn = edit.headers.get('x-onemap-lsn')
  expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
  return lsn!
}

async function pauseReplay(): Promise<void> {
  await standbyDb.any('SELECT pg_wal_replay_pause()')
  while ((await standbyDb.one('SELECT pg_get_wal_replay_pause_state() AS s')).s !== 'paused') await pause()
}

/** Until the standby has replayed the primary's position of now. */
async function untilReplayed(): Promise<void> {
  const lsn = (await database.db.one('SELECT pg_current_wal_insert_lsn()::text AS l')).l
  while (!(await standbyDb.one('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).ok) await pause()
}

/** The XYZ tile at zoom z holding a lon/lat point. */
function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const x = Math.floor(((lon + 180) / 360) * n)
  const r = (lat * Math.PI) / 180
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)
  return { z, x, y }
}

beforeAll(async () => {
  pair = await startReplicatedPair()
  const admin = pgp(pair.primary.urlFor('postgres'))
  try {
    await admin.none('CREATE DATABASE onemap')
  } finally {
    await admin.$pool.end()
  }
  database = await openDatabase({ databaseUrl: pair.primary.urlFor('onemap'), dataDir: '' })
  const s = new Scenario(database.db, '410311')
  await s.ensureCounty()
  const cluster = await s.cluster({ rect: [0, 0, 2000, 2000] })
  const id = await s.parcel({ rect: [100, 100, 300, 300], cluster })
  await database.db.none('UPDATE parcel SET owner_name = $2 WHERE id = $1', [id, ORIGINAL_OWNER])
  const p = await database.db.one('SELECT code, ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT code, ST_Centroid(geom) AS c FROM parcel WHERE id = $1) x', [id])
  parcelCode = p.code
  tile = tileOf(p.lon, p.lat, 15)
  tile14 = tileOf(p.lon, p.lat, 14)
  for (const [username, role] of [['editor', 'admin'], ['reader', 'analyst']] as const) {
    await database.db.users.create({ username, display_name: username, role, county_scope: null, password_hash: await hashPassword(PASSWORD) })
  }
  const standby = await pair.makeStandby()
  standbyDb = pgp(standby.urlFor('onemap')) as Db
  ;[a, b] = await Promise.all([startProcess('A', 1000), startProcess('B', 600_000)])
}, budget(60_000)) // a migration, a base backup and two server starts: ~30 s on an idle machine
afterAll(async () => {
  await stopServers(procs)
  await standbyDb?.$pool.end()
  await database?.close()
  pair?.stop()
})

describe('read replicas over streaming replication', () => {
  it("a user's edit through A is in that user's card through B at once; another user sees it once the standby replays", async () => {
    const editor = await login(a, 'editor')
    const reader = await login(b, 'reader')
    const editorB = await login(b, 'editor')
    await untilReplayed()
    expect(await ownerOf(b, reader)).toBe(ORIGINAL_OWNER)
    await pauseReplay()
    const lsn = await setOwner(a, editor, '洛阳新权利人有限公司')
    expect((await database.db.one('SELECT lsn::text AS l FROM read_fence f JOIN app_user u ON u.id = f.user_id WHERE u.username = $1', ['editor'])).l).toBe(lsn)
    const before = await databases(b)
    // the editor: the paused standby cannot pass the edit's LSN, so B waits, then reads the primary
    expect(await ownerOf(b, editorB)).toBe('洛阳新权利人有限公司')
    const afterEditor = await databases(b)
    expect(afterEditor.primary.reads).toBe(before.primary.reads + 1)
    expect(afterEditor.standby.reads).toBe(before.standby.reads)
    // B knew the editor's fence from A's message (LISTEN/NOTIFY), not by asking the primary
    expect(afterEditor.primary.fenceLookups).toBe(0)
    // another user reads the standby (B skips it only past 10 minutes): the card before the edit
    expect(await ownerOf(b, reader)).toBe(ORIGINAL_OWNER)
    let afterReader = await databases(b)
    expect(afterReader.standby.reads).toBe(afterEditor.standby.reads + 1)
    expect(afterReader.standby.inUse).toBe(true)
    // and a user without a recent write costs the primary nothing: no read, no fence lookup
    expect(afterReader.primary.reads).toBe(afterEditor.primary.reads)
    expect(afterReader.primary.fenceLookups).toBe(0)
    // B's checks see the paused standby behind the primary
    while (!afterReader.standby.lagBytes) afterReader = await databases(b)
    await standbyDb.any('SELECT pg_wal_replay_resume()')
    // once replayed, the standby's card has the edit
    while ((await ownerOf(b, reader)) !== '洛阳新权利人有限公司') await pause()
    expect((await databases(b)).primary.reads).toBe(afterReader.primary.reads)
  }, budget(15_000))

  it("a job a user starts through A moves their fence at its commit: B reads their card from the primary until the standby has replayed it", async () => {
    const editor = await login(a, 'editor')
    const editorB = await login(b, 'editor')
    const reader = await login(b, 'reader')
    await untilReplayed()
    // replayed past the editor's last write: their card comes from the standby
    const h0 = await databases(b)
    expect(await ownerOf(b, editorB)).toBe('洛阳新权利人有限公司')
    expect((await databases(b)).standby.reads).toBe(h0.standby.reads + 1)
    await pauseReplay()
    const heardByB = await signalsOf(b, 'read-fence')
    const heardByA = await signalsOf(a, 'read-fence')
    const started = await fetch(`${a.base}/api/analysis/refresh`, { method: 'POST', headers: { ...editor, 'content-type': 'application/json' }, body: JSON.stringify({ asOf: '2024-06-30' }) })
    expect(started.status, await started.clone().text()).toBe(202)
    const { id } = await started.json()
    let state = ''
    while (state !== 'done') {
      const job = await (await fetch(`${b.base}/api/jobs/${id}`, { headers: editorB })).json()
      expect(job.state).not.toBe('failed')
      state = job.state
      if (state !== 'done') await pause()
    }
    // the runner (A's or B's) moved the editor's fence after the job's commit and told the other
    while ((await signalsOf(b, 'read-fence')) <= heardByB && (await signalsOf(a, 'read-fence')) <= heardByA) await pause()
    const h1 = await databases(b)
    expect(await ownerOf(b, editorB)).toBe('洛阳新权利人有限公司')
    const h2 = await databases(b)
    expect(h2.primary.reads).toBe(h1.primary.reads + 1)
    expect(h2.standby.reads).toBe(h1.standby.reads)
    // the reader started nothing: the standby, and no word with the primary
    await ownerOf(b, reader)
    const h3 = await databases(b)
    expect(h3.standby.reads).toBe(h2.standby.reads + 1)
    expect(h3.primary.reads).toBe(h2.primary.reads)
    expect(h3.primary.fenceLookups).toBe(0)
    await standbyDb.any('SELECT pg_wal_replay_resume()')
  }, budget(15_000))

  it('a standby lagging past ONEMAP_REPLICA_MAX_LAG_MS is skipped, and read again once it has caught up', async () => {
    const editor = await login(a, 'editor')
    const reader = await login(a, 'reader')
    await untilReplayed()
    await pauseReplay()
    await setOwner(a, editor, '洛阳第三权利人有限公司')
    // A's checks (every 100 ms) find the replay behind for more than its 1 s: the standby is out
    let h = await databases(a)
    while (h.standby.inUse) {
      await pause()
      h = await databases(a)
    }
    expect(h.standby).toMatchObject({ reachable: true, inUse: false })
    expect(h.standby.lagMs).toBeGreaterThan(1000)
    expect(h.standby.lagBytes).toBeGreaterThan(0)
    // the reader has no fence: only the skip sends the card to the primary, with the edit
    expect(await ownerOf(a, reader)).toBe('洛阳第三权利人有限公司')
    const skipped = await databases(a)
    expect(skipped.standby.reads).toBe(h.standby.reads)
    expect(skipped.primary.reads).toBe(h.primary.reads + 1)
    await standbyDb.any('SELECT pg_wal_replay_resume()')
    while (!(await databases(a)).standby.inUse) await pause()
    // taken again: a read goes to the standby, and it has the edit
    let used = skipped.standby.reads
    while (used === skipped.standby.reads) {
      expect(await ownerOf(a, reader)).toBe('洛阳第三权利人有限公司')
      used = (await databases(a)).standby.reads
    }
  }, budget(15_000))

  it('a tile cached in B is dropped by an edit through A, and encoded again with the edit', async () => {
    const editor = await login(a, 'editor')
    const reader = await login(b, 'reader')
    await untilReplayed()
    const url = `${b.base}/tiles/parcels/${tile.z}/${tile.x}/${tile.y}.mvt`
    const reads = (h: { primary: DbHealth; standby: DbHealth }) => h.primary.reads + h.standby.reads
    const before = reads(await databases(b))
    const first = await fetch(url, { headers: reader })
    expect(first.status).toBe(200)
    expect(first.headers.get('x-tile-cache')).toBe('miss')
    expect(Buffer.from(await first.arrayBuffer()).includes(Buffer.from('洛阳第三权利人有限公司'))).toBe(true)
    // one encoding, through the read router (a standby that has replayed past the cache's last
    // drop, else the primary)
    expect(reads(await databases(b))).toBe(before + 1)
    const etag = first.headers.get('etag')
    const again = await fetch(url, { headers: reader })
    expect(again.headers.get('x-tile-cache')).toBe('hit')
    expect(again.headers.get('etag')).toBe(etag)
    await setOwner(a, editor, '洛阳第四权利人有限公司')
    // B reads the log on A's signal and drops the tile; it is encoded again from a database that
    // has the edit (the standby once it replayed past the drop, else the primary)
    // (a cached tile's second answer is its gzip variant, whose ETag ends in -gz)
    const plain = (e: string | null) => e?.replace(/-gz"$/, '"')
    let now = etag
    let body = Buffer.alloc(0)
    while (plain(now) === plain(etag)) {
      const res = await fetch(url, { headers: reader })
      now = res.headers.get('etag')
      body = Buffer.from(await res.arrayBuffer())
    }
    expect(body.includes(Buffer.from('洛阳第四权利人有限公司'))).toBe(true)
    expect(body.includes(Buffer.from('洛阳第三权利人有限公司'))).toBe(false)
  }, budget(15_000))

  it('anonymous public reads (OGC items, the disclosure lists) go to the standby and ask the primary nothing', async () => {
    const before = await databases(b)
    const items = await fetch(`${b.base}/ogc/collections/clusters/items?limit=5`)
    expect(items.status, await items.clone().text()).toBe(200)
    expect((await items.json()).features.length).toBeGreaterThan(0)
    const lists = await fetch(`${b.base}/api/disclosure/snapshots`)
    expect(lists.status).toBe(200)
    expect(await lists.json()).toEqual({ snapshots: [] })
    const after = await databases(b)
    expect(after.standby.reads).toBe(before.standby.reads + 2)
    expect(after.primary.reads).toBe(before.primary.reads)
  }, budget(5_000))

  it('with the standby stopped, reads go on from the primary and /api/health says it is down', async () => {
    const reader = await login(b, 'reader')
    const editor = await login(a, 'editor')
    await setOwner(a, editor, '洛阳第五权利人有限公司')
    await untilReplayed()
    pair.standby!.stopServer()
    expect(await ownerOf(b, reader)).toBe('洛阳第五权利人有限公司')
    const h = await databases(b)
    expect(h.standby).toMatchObject({ reachable: false, inUse: false, lagMs: null })
    expect(h.standby.error).toBeTruthy()
    expect(h.primary).toMatchObject({ role: 'primary', reachable: true })
    // a tile B never cached: encoded on the primary, with the last edit
    const tileRes = await fetch(`${b.base}/tiles/parcels/${tile14.z}/${tile14.x}/${tile14.y}.mvt`, { headers: reader })
    expect(tileRes.status).toBe(200)
    expect(tileRes.headers.get('x-tile-cache')).toBe('miss')
    expect(Buffer.from(await tileRes.arrayBuffer()).includes(Buffer.from('洛阳第五权利人有限公司'))).toBe(true)
    // A finds it down on its next check
    while ((await databases(a)).standby.reachable) await pause()
    expect(await ownerOf(a, reader)).toBe('洛阳第五权利人有限公司')
  }, budget(15_000))
})
