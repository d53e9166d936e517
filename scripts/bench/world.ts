/** The generated land of a busy county that the card benches run on (scripts/bench/parcels.ts on
 * PostgreSQL, scripts/bench/embedded.ts on PGlite): one generator, sized by its caller. */
import type { Db } from '../../server/db/pgp'
import { COUNTY_A, seedPlaces } from '../../server/test/land'

/** Parcels per row of the generated grid; cell 0.0005°, parcel 0.0004°, from 112.40° E 34.55° N. */
export const COLUMNS = 400

export interface WorldOptions {
  /** Parcels in the grid, coded LL-000000 upwards. */
  parcels: number
  /** Also leases, the disposal ledger, open alerts, plan zones and approval batches over the grid
   * (default true). Without them the world is parcels, enterprises with their yearly figures,
   * contracts with their indicators, and development events: what a card needs at least. The
   * embedded bench leaves them out, so that the upload it commits north of the grid meets no zone
   * or batch. */
  extras?: boolean
}

/** A deterministic pseudo-random sequence, so that two runs ask the same questions. */
export function lcg(seed: number) {
  let s = seed
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
}

/** Loads the world in one transaction, then ANALYZE. The land of a busy county: a parcel grid with
 * contracts, enterprises, development, and (extras) zones, batches, leases, ledger, alerts. */
export async function generateWorld(db: Db, o: WorldOptions): Promise<void> {
  await seedPlaces(db)
  await db.tx(async (t) => {
    // bulk load: no event-log rows, no FK triggers (the generated rows are consistent by construction)
    await t.none('SET LOCAL session_replication_role = replica')
    await t.none(`INSERT INTO enterprise (credit_code, name, county_code, industry, above_scale)
      SELECT '91410300' || lpad(g::text, 9, '0') || 'X', '洛阳市第' || g || '机械制造有限公司', $1, '装备制造', g % 3 = 0
        FROM generate_series(1, 2000) g`, [COUNTY_A])
    await t.none(`INSERT INTO parcel (code, county_code, cluster_code, stage, land_use, geom)
      SELECT 'LL-' || lpad(g::text, 6, '0'), $1, 'luolong',
             (ARRAY['approved','supplied','under_construction','completed','producing'])[1 + g % 5], '工业用地',
             ST_Multi(ST_MakeEnvelope(112.40 + (g % $3) * 0.0005, 34.55 + (g / $3) * 0.0005,
                                      112.40 + (g % $3) * 0.0005 + 0.0004, 34.55 + (g / $3) * 0.0005 + 0.0004, 4490))
        FROM generate_series(0, $2 - 1) g`, [COUNTY_A, o.parcels, COLUMNS])
    await t.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, signed_on,
        price_wan, agreed_start_on, agreed_completion_on, total_investment_wan, is_standard_land, term_years)
      SELECT 'HT-' || p.id, p.id, p.county_code, 'grant', '91410300' || lpad((1 + p.id % 2000)::text, 9, '0') || 'X',
             date '2015-01-01' + (p.id % 2000)::int, 100 + p.id % 900, date '2015-07-01' + (p.id % 2000)::int,
             date '2017-07-01' + (p.id % 2000)::int, 5000, p.id % 4 = 0, 20
        FROM parcel p WHERE p.id % 10 < 6`)
    await t.none(`INSERT INTO contract_indicator (contract_id, indicator, unit, direction, value, is_core)
      SELECT c.id, i.indicator, i.unit, i.direction, i.value, i.core
        FROM supply_contract c,
             (VALUES ('plot_ratio', '', 'min', 1.0, true), ('investment_intensity', '万元/亩', 'min', 300, true),
                     ('green_ratio', '%', 'max', 20, false)) AS i(indicator, unit, direction, value, core)`)
    await t.none(`INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
      SELECT p.id, p.county_code, k.kind, date '2016-01-01' + (p.id % 1500)::int + k.offs, k.area, k.inv
        FROM parcel p,
             (VALUES ('start', 0, NULL::float8, NULL::numeric), ('progress', 200, 5000, 2000), ('completion', 600, 12000, 4800))
               AS k(kind, offs, area, inv)
       WHERE p.id % 10 < 3`)
    await t.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan, employment)
      SELECT e.credit_code, y, 50 + length(e.name) * y % 500, 1000, 100 FROM enterprise e, generate_series(2022, 2023) y`)
    if (o.extras === false) return
    await t.none(`INSERT INTO lease (parcel_id, county_code, landholder_code, tenant_code, starts_on)
      SELECT c.parcel_id, c.county_code, c.land_user_code, '91410300' || lpad((1 + (c.id + 7) % 2000)::text, 9, '0') || 'X', '2021-01-01'
        FROM supply_contract c WHERE c.parcel_id % 20 = 0`)
    await t.none(`INSERT INTO disposal_ledger (parcel_id, county_code, measure, cause, deadline, responsible_unit)
      SELECT p.id, p.county_code, '二次开发', '产出未达标', date '2023-01-01' + (p.id % 700)::int, '洛龙区自然资源局'
        FROM parcel p WHERE p.id % 20 = 1`)
    await t.none(`INSERT INTO alert (type, severity, status, parcel_id, county_code)
      SELECT 'construction_on_idle', 'medium', 'new', p.id, p.county_code FROM parcel p WHERE p.id % 50 = 0`)
    await t.none(`INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom)
      SELECT 'luolong', $1, (ARRAY['industrial','logistics','green'])[1 + (i + j) % 3], '分区' || i || '-' || j,
             ST_Multi(ST_MakeEnvelope(112.40 + i * 0.02, 34.55 + j * 0.0125, 112.42 + i * 0.02, 34.5625 + j * 0.0125, 4490))
        FROM generate_series(0, 9) i, generate_series(0, 9) j`, [COUNTY_A])
    await t.none(`INSERT INTO approval_batch (approval_no, name, county_code, cluster_code, approved_on, geom)
      SELECT '豫政土〔' || (2010 + i % 10) || '〕' || i || '号', '批次' || i, $1, 'luolong', date '2010-03-01' + i * 60,
             ST_Multi(ST_MakeEnvelope(112.40 + (i % 10) * 0.02, 34.55 + (i / 10) * 0.025, 112.42 + (i % 10) * 0.02, 34.575 + (i / 10) * 0.025, 4490))
        FROM generate_series(0, 49) i`, [COUNTY_A])
  })
  await db.none('ANALYZE')
}
