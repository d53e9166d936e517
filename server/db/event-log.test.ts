/** The parcel's event log (一地一档) is written once per statement from its transition tables
 * (sql/migrations/800_bulk_commit.sql): the same rows the generic row trigger log_row_change
 * writes, which is checked here by running the same writes under each trigger in turn (so a
 * column added to parcel that the statement trigger missed would fail here). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ITask } from 'pg-promise'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { Scenario } from '../test/scenario'
import { setActor } from './actor'

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
      old_value - 'created_at' - 'updated_at' - 'retired_at' AS old_value,
      new_value - 'created_at' - 'updated_at' - 'retired_at' AS new_value, note
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
