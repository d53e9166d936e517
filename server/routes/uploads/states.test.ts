/** The upload state machine is one table (sql/functions/uploads-3-states.sql): GET
 * /api/uploads/transitions publishes it, every move an upload makes through the API is one of its
 * rows (a test-only trigger records each move), and the database refuses a move it does not list,
 * leaving the upload as it was. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { parcelCollection } from '../../test/ingest-helpers'
import { LUOLONG, multipart, seedPlaces } from '../../test/upload-fixture'

let t: TestApp
let analyst: { authorization: string }
let surveyor: { authorization: string }

interface Move { from: string; to: string; step: string }
let published: { statuses: { status: string; label: string }[]; transitions: Move[] }

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  analyst = await t.loginAs('analyst', [LUOLONG])
  surveyor = await t.loginAs('surveyor', [LUOLONG])
  // test-only: every move of upload.status, in order
  await t.app.db.none(`CREATE TABLE test_upload_move (n serial, upload_id uuid, from_status text, to_status text);
    CREATE FUNCTION test_upload_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO test_upload_move (upload_id, from_status, to_status) VALUES (NEW.id, OLD.status, NEW.status); RETURN NULL; END $$;
    CREATE TRIGGER test_upload_move AFTER UPDATE OF status ON upload FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION test_upload_move();`)
})
afterAll(async () => t?.close())

async function upload(codes: string[]): Promise<string> {
  const body = multipart({ layer: 'parcels' }, {
    name: 'states.geojson',
    data: Buffer.from(JSON.stringify(parcelCollection(codes.map((c) => ({ 宗地编号: c, 土地用途: '工业用地' }))))),
  })
  const res = await t.app.inject({ method: 'POST', url: '/api/uploads', headers: { ...body.headers, ...analyst }, payload: body.payload })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as string
}

const status = (id: string) => t.app.db.one('SELECT status FROM upload WHERE id = $1', [id], (r) => r.status as string)
const moves = (id: string) => t.app.db.map('SELECT from_status, to_status FROM test_upload_move WHERE upload_id = $1 ORDER BY n', [id],
  (r) => `${r.from_status}→${r.to_status}`)

describe('the upload state machine', () => {
  it('is published as a table: every status the schema allows, with its label, and the moves between them', async () => {
    const res = await t.app.inject({ url: '/api/uploads/transitions', headers: analyst })
    expect(res.statusCode, res.body).toBe(200)
    published = res.json()
    // the statuses are exactly those of upload.status's CHECK constraint
    const check = await t.app.db.one(`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint
      WHERE conrelid = 'upload'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) ~ '\\(status = ANY'`, [], (r) => r.d as string)
    const allowed = [...check.matchAll(/'([a-z]+)'::text/g)].map((m) => m[1]).sort()
    expect(published.statuses.map((s) => s.status).sort()).toEqual(allowed)
    for (const s of published.statuses) expect(s.label, s.status).toMatch(/[\u4e00-\u9fff]/)
    // the moves, as written by hand from the product's steps
    expect(published.transitions.map((m) => `${m.from}→${m.to}`).sort()).toEqual([
      'committing→committed', 'committing→failed', 'committing→ready', 'failed→discarded', 'ready→committing', 'ready→discarded',
      'ready→failed', 'ready→validating', 'receiving→failed', 'receiving→validating', 'validating→failed', 'validating→ready',
    ])
    expect((await t.app.inject({ url: '/api/uploads/transitions', headers: surveyor })).statusCode).toBe(403)
  })

  it('every move an upload makes through the API is one of the table', async () => {
    const table = new Set(published.transitions.map((m) => `${m.from}→${m.to}`))
    // staged and checked (an upload is created validating), mapped again, committed
    const a = await upload(['ST-1', 'ST-2'])
    expect(await status(a)).toBe('ready')
    const remap = await t.app.inject({ method: 'PUT', url: `/api/uploads/${a}/mapping`, headers: analyst, payload: { mapping: { code: '宗地编号', land_use: '土地用途' } } })
    expect(remap.statusCode, remap.body).toBeLessThan(300)
    while ((await status(a)) === 'validating') await new Promise((r) => setTimeout(r, 20))
    const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${a}/commit`, headers: analyst, payload: { acceptWarnings: true } })
    expect(commit.statusCode, commit.body).toBeLessThan(300)
    while ((await status(a)) === 'committing') await new Promise((r) => setTimeout(r, 20))
    expect(await status(a)).toBe('committed')
    expect(await moves(a)).toEqual(['validating→ready', 'ready→validating', 'validating→ready', 'ready→committing', 'committing→committed'])
    // checked, then given up
    const b = await upload(['ST-3'])
    expect((await t.app.inject({ method: 'DELETE', url: `/api/uploads/${b}`, headers: analyst })).statusCode).toBeLessThan(300)
    expect(await moves(b)).toEqual(['validating→ready', 'ready→discarded'])
    const all = await t.app.db.map('SELECT DISTINCT from_status, to_status FROM test_upload_move', [], (r) => `${r.from_status}→${r.to_status}`)
    expect(all.filter((m) => !table.has(m))).toEqual([])
  })

  it('refuses a move the table does not list, and leaves the upload as it was', async () => {
    const committed = await t.app.db.one("SELECT id FROM upload WHERE status = 'committed' LIMIT 1", [], (r) => r.id as string)
    const discarded = await t.app.db.one("SELECT id FROM upload WHERE status = 'discarded' LIMIT 1", [], (r) => r.id as string)
    for (const [id, to] of [[committed, 'ready'], [committed, 'failed'], [discarded, 'committing'], [discarded, 'ready']] as const) {
      const was = await status(id)
      await expect(t.app.db.none('UPDATE upload SET status = $2 WHERE id = $1', [id, to])).rejects.toMatchObject({
        code: '23514', message: `upload ${id} cannot go from ${was} to ${to}`,
      })
      expect(await status(id)).toBe(was)
    }
  })
})
