import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { migrate, MigrationError } from './migrate'
import { setActor } from './actor'

let t: TestDatabase
const dirs: string[] = []

function sqlDir(files: Record<string, string>, functions: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-sql-'))
  dirs.push(dir)
  for (const [sub, named] of [['migrations', files], ['functions', functions]] as const) {
    fs.mkdirSync(path.join(dir, sub))
    for (const [name, text] of Object.entries(named)) fs.writeFileSync(path.join(dir, sub, name), text)
  }
  return dir
}

const tableExists = (name: string) =>
  t.db.one('SELECT to_regclass($1) IS NOT NULL AS e', [name], (r: { e: boolean }) => r.e)

beforeAll(async () => { t = await createTestDatabase() })
afterAll(async () => {
  await t.drop()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('migrations', () => {
  it('the real migrations are already applied and a second run applies nothing', async () => {
    const again = await migrate(t.db)
    expect(again.applied).toEqual([])
    expect(await tableExists('parcel')).toBe(true)
    // every geometry column of the land model has a GiST index
    const unindexed = await t.db.any(`SELECT g.f_table_name, g.f_geometry_column FROM geometry_columns g
      WHERE g.f_table_schema = 'public' AND g.f_table_name = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
                         JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = ANY(i.indkey)
                        WHERE a.amname = 'gist' AND i.indrelid = (quote_ident(g.f_table_name))::regclass
                          AND att.attname = g.f_geometry_column)`,
      [['approval_batch', 'cluster', 'parcel', 'plan_zone', 'rs_change']])
    expect(unindexed).toEqual([])
    const landGeoms = await t.db.any(`SELECT f_table_name FROM geometry_columns WHERE f_table_schema = 'public'
      AND f_table_name = ANY($1)`, [['approval_batch', 'cluster', 'parcel', 'plan_zone', 'rs_change']])
    expect(landGeoms).toHaveLength(5)
  })

  it('a failing migration leaves no half-applied schema, and neither do the ones before it in the run', async () => {
    const dir = sqlDir({
      '900_good.sql': 'CREATE TABLE mig_good (a int);',
      '901_bad.sql': 'CREATE TABLE mig_bad (a int); SELECT no_such_function();',
    })
    await expect(migrate(t.db, dir)).rejects.toThrow(MigrationError)
    await expect(migrate(t.db, dir)).rejects.toThrow(/901_bad\.sql failed, nothing was applied/)
    expect(await tableExists('mig_good')).toBe(false)
    expect(await tableExists('mig_bad')).toBe(false)
    expect(await t.db.any("SELECT name FROM schema_migration WHERE name LIKE '90%'")).toEqual([])
  })

  it('refuses a migration edited after it was applied', async () => {
    const dir = sqlDir({ '910_once.sql': 'CREATE TABLE mig_once (a int);' })
    expect((await migrate(t.db, dir)).applied).toEqual(['910_once.sql'])
    expect((await migrate(t.db, dir)).applied).toEqual([])
    fs.writeFileSync(path.join(dir, 'migrations', '910_once.sql'), 'CREATE TABLE mig_once (a int, b int);')
    await expect(migrate(t.db, dir)).rejects.toThrow(/changed after being applied/)
  })
})

describe('the land model', () => {
  it('derives areas on the spheroid in m² and mu, and keeps every old value in the event log', async () => {
    await t.db.tx(async (tx) => {
      await setActor(tx, 'user:test')
      await tx.none("INSERT INTO county (code, name) VALUES ('410399', '测试县')")
      // 0.01° × 0.01° at 34°N: GDAL/PROJ geodesic area of this square is 1,024,694.88 m²
      // (also checked against ST_Transform to EPSG:4546 in the embedded probe: 1,024,694.88).
      await tx.none(`INSERT INTO parcel (code, county_code, geom) VALUES ('T-1', '410399',
        ST_Multi(ST_GeomFromText('POLYGON((111 34,111.01 34,111.01 34.01,111 34.01,111 34))', 4490)))`)
      await tx.none(`UPDATE parcel SET land_use = '工业用地' WHERE code = 'T-1'`)
      await tx.none(`UPDATE parcel SET geom = ST_Multi(ST_GeomFromText('POLYGON((111 34,111.02 34,111.02 34.01,111 34.01,111 34))', 4490)) WHERE code = 'T-1'`)
    })
    const p = await t.db.one("SELECT id, area_m2, area_mu FROM parcel WHERE code = 'T-1'")
    const gk = await t.db.one(`SELECT ST_Area(ST_Transform(geom, 4546)) AS a FROM parcel WHERE code = 'T-1'`)
    // projected GK area on CM 111°E at the meridian has scale 1: within 0.01% of the ellipsoidal one
    expect(Math.abs(p.area_m2 - gk.a) / gk.a).toBeLessThan(1e-4)
    expect(p.area_mu).toBeCloseTo((p.area_m2 * 15) / 10000, 6)
    const events = await t.db.any('SELECT action, actor, event_value(old_value, old_geom) AS old_value, event_value(new_value, new_geom) AS new_value FROM event_log WHERE parcel_id = $1 ORDER BY id', [p.id])
    expect(events.map((e) => e.action)).toEqual(['insert', 'update', 'update'])
    expect(events.every((e) => e.actor === 'user:test')).toBe(true)
    expect(events[1].old_value.land_use).toBeNull()
    expect(events[1].new_value.land_use).toBe('工业用地')
    expect(events[2].old_value.geom.coordinates[0][0][1][0]).toBeCloseTo(111.01, 9)
    expect(events[2].new_value.geom.coordinates[0][0][1][0]).toBeCloseTo(111.02, 9)
    await expect(t.db.none('DELETE FROM event_log')).rejects.toThrow(/append-only/)
    await expect(t.db.none("UPDATE event_log SET actor = 'x'")).rejects.toThrow(/append-only/)
  })

  it('refuses a standard-land term over 20 years unless the project is flagged major (annex 2)', async () => {
    await t.db.none("INSERT INTO county (code, name) VALUES ('410398', '测试县二') ON CONFLICT DO NOTHING")
    const pid = await t.db.one(`INSERT INTO parcel (code, county_code, geom) VALUES ('T-2', '410398',
      ST_Multi(ST_GeomFromText('POLYGON((111 34,111.001 34,111.001 34.001,111 34.001,111 34))', 4490))) RETURNING id`, [], (r: { id: number }) => r.id)
    const insert = (no: string, term: number, major: boolean) => t.db.none(
      `INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, signed_on, is_standard_land, term_years, major_project)
       VALUES ($1, $2, '410398', 'grant', '2021-06-01', true, $3, $4)`, [no, pid, term, major])
    await expect(insert('C-30', 30, false)).rejects.toThrow(/check constraint/)
    await expect(insert('C-20', 20, false)).resolves.toBeNull()
    await expect(insert('C-50', 50, true)).resolves.toBeNull()
    await expect(insert('C-51', 51, true)).rejects.toThrow(/check constraint/)
  })
})

describe('a migration chosen as a deadlock victim', () => {
  it('is run again from the start, and lands once the other transaction is done', async () => {
    // two tables; each function file parses a LANGUAGE sql body reading one of them, which takes a
    // share lock on it, as the real sql/functions files do on the land and analysis tables
    const dir = sqlDir({ '1_tables.sql': 'CREATE TABLE dl_a (n int); CREATE TABLE dl_b (n int);' }, {
      'f1.sql': 'CREATE OR REPLACE FUNCTION dl_fa() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM dl_a $$;',
      'f2.sql': 'CREATE OR REPLACE FUNCTION dl_fb() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM dl_b $$;',
    })
    await migrate(t.db, dir)
    const deadlocks = () => t.db.one('SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()', [], (r: { n: number }) => r.n)
    const before = await deadlocks()

    // another process's transaction holds dl_b, then asks for dl_a after the migration has read it;
    // its deadlock check waits longer than the migration's (1 s), so the migration is the victim
    const other = await t.db.connect()
    let migrated: Promise<unknown> | null = null
    try {
      await other.none("BEGIN; SET LOCAL deadlock_timeout = '20s'; LOCK dl_b IN ACCESS EXCLUSIVE MODE")
      migrated = migrate(t.db, dir)
      for (let waiting = false; !waiting;) {
        await new Promise((r) => setTimeout(r, 50))
        waiting = await t.db.one(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'dl_b'::regclass) AS w`, [], (r: { w: boolean }) => r.w)
      }
      await other.none('LOCK dl_a IN ACCESS EXCLUSIVE MODE')
      await other.none('COMMIT')
    } finally {
      other.done()
    }
    await expect(migrated).resolves.toMatchObject({ applied: [], functions: 2 })
    await new Promise((r) => setTimeout(r, 600)) // the statistics collector reports deadlocks within its interval
    expect(await deadlocks()).toBeGreaterThan(before)
    expect(await t.db.one('SELECT dl_fa() + dl_fb() AS n', [], (r: { n: string }) => Number(r.n))).toBe(0)
  })
})

describe('the full recompute and a migration', () => {
  it('the recompute waits for a running migration before it locks any table', async () => {
    const migration = await t.db.connect()
    let refresh: Promise<unknown> | null = null
    try {
      await migration.none('BEGIN')
      await migration.one('SELECT pg_advisory_xact_lock(4103000001)')
      refresh = t.db.one('SELECT analysis.refresh_all() AS r')
      const waitingPid = async () => (await t.db.oneOrNone(
        `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = (4103000001::bigint & 4294967295)::oid`)) as { pid: number } | null
      let w: { pid: number } | null = null
      while (!(w = await waitingPid())) await new Promise((r) => setTimeout(r, 50))
      // it holds no lock on the analysis tables while it waits
      expect(await t.db.any(`SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = $1 AND n.nspname = 'analysis'`, [w.pid])).toEqual([])
      await migration.none('COMMIT')
    } finally {
      migration.done()
    }
    await expect(refresh).resolves.toMatchObject({ r: expect.objectContaining({ as_of: expect.any(String) }) })
  })
})
