/** The parcel's event log (一地一档) is written once per statement from its transition tables
 * (sql/migrations/800_bulk_commit.sql): the same rows the generic row trigger log_row_change
 * writes, which is checked here by running the same writes under each trigger in turn (so a
 * column added to parcel that the statement trigger missed would fail here). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import pgPromise, { type ITask } from 'pg-promise'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { Scenario } from '../test/scenario'
import { setActor } from './actor'

const { QueryFile } = pgPromise
let t: TestDatabase
const COUNTY = '410303'
const IDS = [9_000_001, 9_000_002, 9_000_003, 9_000_004]

beforeAll(async () => {
  t = await createTestDatabase()
  await new Scenario(t.db, COUNTY).ensureCounty()
})
afterAll(async () => t?.drop())

/** Inserts four parcels in one statement, updates three in one (one of them to the same values),
 * moves one, retires one, deletes one; returns the event rows these wrote, without the columns
 * that differ between two runs (event id, time, and the rows' own timestamps). */
async function writes(tx: ITask<unknown>): Promise<unknown[]> {
  const from = await tx.one('SELECT coalesce(max(id), 0) AS m FROM event_log', [], (r: { m: number }) => r.m)
  await setActor(tx, 'user:tester', 'bulk test')
  await tx.none(`INSERT INTO parcel (id, code, county_code, land_use, geom)
    SELECT i, 'EV-' || i, $2, '工业用地', ST_Multi(ST_MakeEnvelope(112.4 + (i - 9000000) * 0.001, 34.6, 112.4005 + (i - 9000000) * 0.001, 34.6005, 4490))
      FROM unnest($1::bigint[]) i`, [IDS, COUNTY])
  await tx.none(`UPDATE parcel SET land_use = CASE WHEN id = $1 THEN land_use ELSE '仓储用地' END WHERE id = ANY($2)`, [IDS[0], IDS.slice(0, 3)])
  await tx.none(`UPDATE parcel SET geom = ST_Multi(ST_Translate(ST_GeometryN(geom, 1), 0.0001, 0)), version = version + 1 WHERE id = $1`, [IDS[1]])
  // the shape alone, nothing else: still a change
  await tx.none(`UPDATE parcel SET geom = ST_Multi(ST_Translate(ST_GeometryN(geom, 1), 0, 0.0001)) WHERE id = $1`, [IDS[0]])
  await tx.none(`UPDATE parcel SET retired_at = now(), retired_reason = '合并' WHERE id = $1`, [IDS[2]])
  await tx.none('DELETE FROM parcel WHERE id = $1', [IDS[3]])
  return tx.any(`SELECT actor, entity, entity_id, parcel_id, county_code, action,
      event_value(old_value, old_geom) - 'created_at' - 'updated_at' - 'retired_at' AS old_value,
      event_value(new_value, new_geom) - 'created_at' - 'updated_at' - 'retired_at' AS new_value, note
    FROM event_log WHERE id > $1 ORDER BY id`, [from])
}

describe('the event log of parcel, per statement', () => {
  it('writes exactly the rows the row-by-row trigger writes, in the same order', async () => {
    // the reference: the generic row trigger on parcel, inside a transaction that is rolled back
    let byRow: unknown[] = []
    await t.db.tx(async (tx) => {
      await tx.none('ALTER TABLE parcel DISABLE TRIGGER parcel_log_insert, DISABLE TRIGGER parcel_log_update, DISABLE TRIGGER parcel_log_delete')
      await tx.none('CREATE TRIGGER parcel_log_reference AFTER INSERT OR UPDATE OR DELETE ON parcel FOR EACH ROW EXECUTE FUNCTION log_row_change()')
      byRow = await writes(tx)
      throw new Error('roll back')
    }).catch((e: Error) => expect(e.message).toBe('roll back'))
    const byStatement = await t.db.tx((tx) => writes(tx))

    // 4 inserts, 2 updates that change something (the third changed nothing), 2 moves, 1 retirement, 1 delete
    expect(byRow.map((e) => (e as { action: string }).action)).toEqual(['insert', 'insert', 'insert', 'insert', 'update', 'update', 'update', 'update', 'update', 'delete'])
    expect(byStatement).toEqual(byRow)
    const first = byStatement[0] as { actor: string; note: string; entity_id: string; parcel_id: number; county_code: string; new_value: { geom: { type: string } } }
    expect(first).toMatchObject({ actor: 'user:tester', note: 'bulk test', entity_id: String(IDS[0]), parcel_id: IDS[0], county_code: COUNTY })
    // the geometry as GeoJSON, as in every other table's log
    expect(first.new_value.geom.type).toBe('MultiPolygon')
  })

  it('logs nothing for an UPDATE that changes nothing, and nothing of a rolled-back statement', async () => {
    const count = () => t.db.one("SELECT count(*)::int AS n FROM event_log WHERE entity = 'parcel'", [], (r: { n: number }) => r.n)
    const before = await count()
    await t.db.none('UPDATE parcel SET land_use = land_use WHERE id = ANY($1)', [IDS])
    expect(await count()).toBe(before)
    await t.db.tx(async (tx) => {
      await tx.none("UPDATE parcel SET land_use = '商业用地' WHERE id = ANY($1)", [IDS])
      throw new Error('roll back')
    }).catch(() => undefined)
    expect(await count()).toBe(before)
  })
})

/** Readers of the log (migration 1021): a parcel's shape is kept as geometry (old_geom, new_geom),
 * not as GeoJSON in the value; the file of the parcel (一地一档) and the tile cache's invalidation
 * read it there, and entries logged before (GeoJSON in the value) read as they did. */
describe('the shapes in the event log, and what its readers see', () => {
  const HISTORY = new QueryFile(fileURLToPath(new URL('./repos/parcels/history.sql', import.meta.url)), { minify: true })
  const BBOXES = new QueryFile(fileURLToPath(new URL('../tiles/changed-bboxes.sql', import.meta.url)), { minify: true })
  // the squares by hand: a registration at (112.41, 34.61), 0.0005° a side, moved 0.0002° east
  const square = (x0: number, x1: number) => [[[[x0, 34.61], [x0, 34.6105], [x1, 34.6105], [x1, 34.61], [x0, 34.61]]]]
  // as ST_AsGeoJSON(geom, 9) wrote it into the log: the CRS named (EPSG:4490 is not GeoJSON's default)
  const shape = (x0: number, x1: number) => ({ type: 'MultiPolygon', crs: { type: 'name', properties: { name: 'EPSG:4490' } }, coordinates: square(x0, x1) })
  const file = async (code: string) => JSON.parse(await t.db.one(HISTORY, { code, scope: null, sensitive: true, offset: 0, limit: null },
    (r: { file: string }) => r.file)) as { events: { id: number; type: string; value: { geom: unknown } | null; changes: { field: string; old: unknown; new: unknown }[] | null }[] }

  it('keeps the shape as geometry, and the file and the tile invalidation show the same shapes', async () => {
    const from = await t.db.one('SELECT coalesce(max(id), 0) AS m FROM event_log', [], (r: { m: number }) => r.m)
    await t.db.tx(async (tx) => {
      await setActor(tx, 'user:tester')
      await tx.none(`INSERT INTO parcel (code, county_code, geom) VALUES ('EV-SHAPE', $1, ST_Multi(ST_MakeEnvelope(112.41, 34.61, 112.4105, 34.6105, 4490)))`, [COUNTY])
    })
    await t.db.tx(async (tx) => {
      await setActor(tx, 'user:tester')
      await tx.none(`UPDATE parcel SET geom = ST_Multi(ST_MakeEnvelope(112.4102, 34.61, 112.4107, 34.6105, 4490)), version = version + 1 WHERE code = 'EV-SHAPE'`)
    })
    const logged = await t.db.any(`SELECT e.id, e.action, e.old_value ? 'geom' AS old_has, e.new_value ? 'geom' AS new_has,
        ST_AsEWKB(e.old_geom) = ST_AsEWKB(ST_Multi(ST_MakeEnvelope(112.41, 34.61, 112.4105, 34.6105, 4490))) AS old_same,
        ST_AsEWKB(e.new_geom) = ST_AsEWKB(p.geom) AS new_same
      FROM event_log e JOIN parcel p ON p.id = e.parcel_id WHERE e.id > $1 AND p.code = 'EV-SHAPE' ORDER BY e.id`, [from])
    expect(logged.map((e) => [e.action, e.old_has, e.new_has, e.old_same, e.new_same]))
      .toEqual([['insert', null, false, null, false], ['update', false, false, true, true]])

    const events = (await file('EV-SHAPE')).events
    expect(events.map((e) => e.type)).toEqual(['registration', 'geometry_change'])
    expect(events[0]!.value!.geom).toEqual(shape(112.41, 112.4105))
    const geom = events[1]!.changes!.find((c) => c.field === 'geom')
    expect(geom).toEqual({ field: 'geom', old: shape(112.41, 112.4105), new: shape(112.4102, 112.4107) })

    // the tiles to drop: the update's box holds the old and the new square
    const boxes = await t.db.any(BBOXES, { from, seen: [] }) as { id: string; entity: string; xmin: number; ymin: number; xmax: number; ymax: number }[]
    const update = boxes.find((b) => String(b.id) === String(logged[1]!.id))!
    expect(update.entity).toBe('parcel')
    expect([update.xmin, update.ymin, update.xmax, update.ymax].map((v) => Number(v.toFixed(9)))).toEqual([112.41, 34.61, 112.4107, 34.6105])
  })

  it('reads an entry logged with its shape as GeoJSON in the value (before migration 1021) as before', async () => {
    const id = await t.db.one(`INSERT INTO parcel (code, county_code, geom) VALUES ('EV-OLD', $1, ST_Multi(ST_MakeEnvelope(112.42, 34.61, 112.4205, 34.6105, 4490))) RETURNING id`,
      [COUNTY], (r: { id: string }) => r.id)
    // an update as log_row_change wrote it: the moved-from shape under geom, as GeoJSON
    const old = shape(112.4201, 112.4206)
    const entry = await t.db.one(`INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value)
      SELECT 'user:tester', 'parcel', $1::text, $1, $2, 'update', jsonb_build_object('code', 'EV-OLD', 'geom', $3::jsonb), jsonb_build_object('code', 'EV-OLD', 'geom', ST_AsGeoJSON(geom, 9)::jsonb)
        FROM parcel WHERE id = $1 RETURNING id`, [id, COUNTY, JSON.stringify(old)], (r: { id: string }) => r.id)
    const change = (await file('EV-OLD')).events.find((e) => String(e.id) === String(entry))!
    expect(change.type).toBe('geometry_change')
    expect(change.changes).toEqual([{ field: 'geom', old, new: shape(112.42, 112.4205) }])
    const box = (await t.db.any(BBOXES, { from: Number(entry) - 1, seen: [] }) as { id: string; xmin: number; xmax: number }[]).find((b) => String(b.id) === String(entry))!
    expect([box.xmin, box.xmax].map((v) => Number(v.toFixed(9)))).toEqual([112.42, 112.4206])
  })
})
