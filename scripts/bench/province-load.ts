/** The province-sized world of scripts/bench/province.ts, generated and loaded by COPY in a
 * process of its own (the generator is the benchmark's fixture, not the product: its memory is
 * not the service's). `tsx scripts/bench/province-load.ts DATABASE_URL PARCELS BATCHES
 * OVERFLOW_AREA_PERCENT`; prints progress, then one JSON line: the row counts, the seconds and
 * this process's peak RSS. */
import os from 'node:os'
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { openDatabase } from '../../server/db/connect'
import { DEMO_COUNTY_RULES, REFERENCE_DATE, streamDemo } from '../demo/generate'
import { loadDemo } from '../demo/load'
import type { MultiPolygon } from '../demo/types'
import { seconds } from './compare-sql'

const loadavg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ')

/** COPY text format: backslash, newline, carriage return and tab escaped; \N is null. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
}

/** EWKT of a lon/lat MultiPolygon (geometry's text input reads it in COPY). */
function ewkt(g: MultiPolygon): string {
  return `SRID=4490;MULTIPOLYGON(${g.coordinates.map((p) => `(${p.map((r) => `(${r.map(([x, y]) => `${x} ${y}`).join(',')})`).join(',')})`).join(',')})`
}

/** One table's rows streamed into COPY on a connection of its own, triggers off (a bulk load:
 * no event log, no foreign-key checks; the generated rows are consistent by construction). */
class Copier {
  private chunk = ''
  private stream: ReturnType<typeof copyFrom> | null = null
  private done: Promise<void> | null = null
  rows = 0

  constructor(private readonly client: pg.PoolClient, readonly table: string, readonly columns: string[]) {}

  async start(): Promise<void> {
    await this.client.query('SET session_replication_role = replica')
    this.stream = this.client.query(copyFrom(`COPY ${this.table} (${this.columns.join(', ')}) FROM STDIN`))
    this.done = finished(this.stream)
    this.done.catch(() => undefined)
  }

  async write(row: Record<string, unknown>, geom?: string): Promise<void> {
    this.chunk += this.columns.map((c) => (c === 'geom' && geom !== undefined ? field(geom) : field(row[c]))).join('\t') + '\n'
    this.rows++
    if (this.chunk.length > 1 << 16) {
      const ok = this.stream!.write(this.chunk)
      this.chunk = ''
      if (!ok) await Promise.race([once(this.stream!, 'drain'), this.done])
    }
  }

  async end(): Promise<void> {
    if (this.chunk) this.stream!.write(this.chunk)
    this.stream!.end()
    await this.done
    this.client.release()
  }
}

async function main(): Promise<void> {
  const [url, parcels, batches, percent] = process.argv.slice(2)
  const PARCELS = Number(parcels)
  const BATCHES = Number(batches)
  const OVERFLOW_AREA_PERCENT = Number(percent)
  const database = await openDatabase({ databaseUrl: url!, dataDir: '', poolSize: 10 })
  const db = database.db
  try {
    // The world: places and batches by loadDemo, the parcels and what hangs off them by COPY.
    let t0 = performance.now()
    const world = streamDemo({ parcels: PARCELS, batches: BATCHES, overflowAreaPercent: OVERFLOW_AREA_PERCENT })
    await loadDemo(db, {
      seed: 0, referenceDate: REFERENCE_DATE, counties: world.counties, clusters: world.clusters, planZones: world.planZones,
      approvalBatches: world.approvalBatches, enterprises: [], parcels: [], supplyContracts: [], contractIndicators: [],
      developmentEvents: [], leases: [], enterpriseYears: [], countyRules: DEMO_COUNTY_RULES.map((r) => ({ ...r })),
      rsChanges: [], disposalLedger: [], parcelFlags: [], cases: [],
    })
    // children name their parcel or contract by code: staged, then joined to the new ids
    await db.none(`
      CREATE UNLOGGED TABLE s_contract AS SELECT ''::text AS parcel_code, contract_no, county_code, supply_method, land_user_code, land_use,
        signed_on, price_wan, agreed_start_on, agreed_completion_on, total_investment_wan, planned_floor_area_m2, is_standard_land,
        term_years, major_project, terminated_on FROM supply_contract WITH NO DATA;
      CREATE UNLOGGED TABLE s_indicator AS SELECT ''::text AS contract_no, indicator, unit, direction, value, is_core FROM contract_indicator WITH NO DATA;
      CREATE UNLOGGED TABLE s_event AS SELECT ''::text AS parcel_code, county_code, kind, occurred_on, developed_area_m2, invested_wan,
        measured, government_caused, note, recorded_by FROM development_event WITH NO DATA;
      CREATE UNLOGGED TABLE s_lease AS SELECT ''::text AS parcel_code, county_code, landholder_code, tenant_code, starts_on, ends_on FROM lease WITH NO DATA`)
    const cols = (table: string) => db.map(`SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table], (r: { attname: string }) => r.attname)
    const copiers = {
      enterprise: ['credit_code', 'name', 'county_code', 'industry', 'above_scale', 'intelligent_retrofit', 'legal_person', 'contact_phone'],
      parcel: ['code', 'county_code', 'cluster_code', 'land_use', 'stage', 'stated_area_m2', 'geom'],
      enterprise_year: ['credit_code', 'year', 'tax_paid_wan', 'tax_refund_wan', 'output_wan', 'value_added_wan', 'energy_tce', 'employment', 'profit_wan', 'rating'],
      s_contract: await cols('s_contract'),
      s_indicator: await cols('s_indicator'),
      s_event: await cols('s_event'),
      s_lease: await cols('s_lease'),
    }
    const copy: Record<keyof typeof copiers, Copier> = {} as never
    for (const [table, columns] of Object.entries(copiers)) {
      copy[table as keyof typeof copiers] = new Copier((await db.$pool.connect()) as unknown as pg.PoolClient, table, columns)
      await copy[table as keyof typeof copiers].start()
    }
    const step = Math.max(10_000, Math.ceil(PARCELS / 10))
    let n = 0
    for (const b of world.bundles) {
      for (const e of b.enterprises) await copy.enterprise.write(e as never)
      await copy.parcel.write(b.parcel as never, ewkt(b.parcel.geom))
      if (b.contract) await copy.s_contract.write(b.contract as never)
      for (const x of b.indicators) await copy.s_indicator.write(x as never)
      for (const x of b.events) await copy.s_event.write(x as never)
      for (const x of b.leases) await copy.s_lease.write(x as never)
      for (const x of b.years) await copy.enterprise_year.write(x as never)
      if (++n % step === 0) console.log(`  ${n} parcels generated and sent, ${seconds(performance.now() - t0)}, RSS ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB`)
    }
    for (const c of Object.values(copy)) await c.end()
    const generated = performance.now() - t0
    await db.tx(async (t) => {
      await t.none('SET LOCAL session_replication_role = replica')
      await t.none(`INSERT INTO supply_contract (parcel_id, ${copiers.s_contract.slice(1).join(', ')})
        SELECT p.id, ${copiers.s_contract.slice(1).map((c) => `s.${c}`).join(', ')} FROM s_contract s JOIN parcel p ON p.code = s.parcel_code`)
      await t.none(`INSERT INTO contract_indicator (contract_id, ${copiers.s_indicator.slice(1).join(', ')})
        SELECT c.id, ${copiers.s_indicator.slice(1).map((c) => `s.${c}`).join(', ')} FROM s_indicator s JOIN supply_contract c ON c.contract_no = s.contract_no`)
      await t.none(`INSERT INTO development_event (parcel_id, ${copiers.s_event.slice(1).join(', ')})
        SELECT p.id, ${copiers.s_event.slice(1).map((c) => `s.${c}`).join(', ')} FROM s_event s JOIN parcel p ON p.code = s.parcel_code`)
      await t.none(`INSERT INTO lease (parcel_id, ${copiers.s_lease.slice(1).join(', ')})
        SELECT p.id, ${copiers.s_lease.slice(1).map((c) => `s.${c}`).join(', ')} FROM s_lease s JOIN parcel p ON p.code = s.parcel_code`)
      await t.none('DROP TABLE s_contract, s_indicator, s_event, s_lease')
    })
    await db.none('VACUUM ANALYZE')
    const counts = await db.one(`SELECT (SELECT count(*) FROM parcel)::int AS parcels, (SELECT count(*) FROM approval_batch)::int AS batches,
      (SELECT count(*) FROM supply_contract)::int AS contracts, (SELECT count(*) FROM development_event)::int AS events,
      (SELECT count(*) FROM enterprise)::int AS enterprises, (SELECT count(*) FROM enterprise_year)::int AS years`)
    console.log(`world: ${JSON.stringify(counts)}; generated and sent by COPY in ${seconds(generated)}, loaded in ${seconds(performance.now() - t0)} ` +
      `(load average ${loadavg()})`)
    if (counts.parcels !== PARCELS) throw new Error(`expected ${PARCELS} parcels, loaded ${counts.parcels}`)

    console.log(JSON.stringify({ counts, seconds: (performance.now() - t0) / 1000, rssMb: process.resourceUsage().maxRSS / 1024 }))
  } finally {
    await database.close()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
