/** Loads a DemoData set into the land model in one transaction: multi-row inserts of at most
 * CHUNK rows built by pg-promise's helpers (every value formatted by pg-promise, geometry bound
 * as a GeoJSON literal inside ST_GeomFromGeoJSON), natural keys resolved to ids with RETURNING.
 * The event log records every row with the actor system:demo. */
import type { IColumnConfig, IDatabase, IMain, ITask } from 'pg-promise'
import type { DemoData } from './generate'
import type { MultiPolygon } from './types'

const CHUNK = 500

/** Table → rows inserted. */
export type LoadCounts = Record<string, number>

type Row = object
type Column = string | IColumnConfig<Row>

export async function loadDemo(db: IDatabase<unknown>, data: DemoData): Promise<LoadCounts> {
  const pgp: IMain = db.$config.pgp

  // Custom type formatting: the GeoJSON text is escaped by pg-promise as a literal, the
  // function call around it is injected raw.
  const geometry = (name: string, prop = name): IColumnConfig<Row> => ({
    name,
    prop,
    init: (c) => ({
      rawType: true,
      toPostgres: () => pgp.as.format('ST_SetSRID(ST_GeomFromGeoJSON($1), 4490)', [JSON.stringify(c.value as MultiPolygon)]),
    }),
  })
  const json = (name: string): IColumnConfig<Row> => ({ name, mod: ':json' })
  const idOf = (name: string, prop: string, ids: Map<string, number>, what: string): IColumnConfig<Row> => ({
    name,
    prop,
    init: (c) => idOrThrow(ids, c.value as string, what),
  })
  const columns = (table: string, cols: Column[]) => new pgp.helpers.ColumnSet(cols, { table })

  async function insert(t: ITask<unknown>, table: string, cols: Column[], rows: readonly Row[]): Promise<number> {
    const cs = columns(table, cols)
    let n = 0
    for (let i = 0; i < rows.length; i += CHUNK) {
      n += await t.result(pgp.helpers.insert(rows.slice(i, i + CHUNK), cs), undefined, (r) => r.rowCount)
    }
    return n
  }

  /** Inserts and maps each row's natural key (made by `keyOf` from the returned `keys` columns)
   * to its new id. */
  async function insertReturning(
    t: ITask<unknown>, table: string, cols: Column[], rows: readonly Row[],
    keys: string[], keyOf: (r: Record<string, string>) => string, ids: Map<string, number>,
  ): Promise<number> {
    const cs = columns(table, cols)
    let n = 0
    for (let i = 0; i < rows.length; i += CHUNK) {
      const back: Record<string, string>[] = await t.many(
        pgp.helpers.insert(rows.slice(i, i + CHUNK), cs) + pgp.as.format(' RETURNING id, $1:name', [keys]),
      )
      for (const r of back) ids.set(keyOf(r), Number(r.id))
      n += back.length
    }
    return n
  }

  return db.tx('demo-load', async (t) => {
    await t.one("SELECT set_config('onemap.actor', 'system:demo', true)")
    const counts: LoadCounts = {}
    counts.county = await insert(t, 'county', ['code', 'name'], data.counties)
    counts.cluster = await insert(t, 'cluster', [
      'code', 'name', 'short_name', 'county_code', 'target_tax_per_mu', 'leading_industries', geometry('boundary'), 'boundary_synthetic',
    ], data.clusters)
    counts.plan_zone = await insert(t, 'plan_zone', ['cluster_code', 'county_code', 'zone_type', 'name', geometry('geom')], data.planZones)
    counts.approval_batch = await insert(t, 'approval_batch', ['approval_no', 'name', 'county_code', 'cluster_code', 'approved_on', geometry('geom')], data.approvalBatches)
    counts.enterprise = await insert(t, 'enterprise', [
      'credit_code', 'name', 'county_code', 'industry', 'above_scale', 'intelligent_retrofit', 'legal_person', 'contact_phone',
    ], data.enterprises)

    const parcelIds = new Map<string, number>()
    counts.parcel = await insertReturning(t, 'parcel', [
      'code', 'county_code', 'cluster_code', 'land_use', 'stage', 'stated_area_m2', geometry('geom'),
    ], data.parcels, ['code'], (r) => r.code!, parcelIds)
    const parcelId = idOf('parcel_id', 'parcel_code', parcelIds, 'parcel')

    const contractIds = new Map<string, number>()
    counts.supply_contract = await insertReturning(t, 'supply_contract', [
      'contract_no', parcelId, 'county_code', 'supply_method', 'land_user_code', 'land_use', 'signed_on', 'price_wan',
      'agreed_start_on', 'agreed_completion_on', 'total_investment_wan', 'planned_floor_area_m2', 'is_standard_land',
      'term_years', 'major_project', 'terminated_on',
    ], data.supplyContracts, ['contract_no'], (r) => r.contract_no!, contractIds)
    counts.contract_indicator = await insert(t, 'contract_indicator', [
      idOf('contract_id', 'contract_no', contractIds, 'contract'), 'indicator', 'unit', 'direction', 'value', 'is_core',
    ], data.contractIndicators)
    counts.development_event = await insert(t, 'development_event', [
      parcelId, 'county_code', 'kind', 'occurred_on', 'developed_area_m2', 'invested_wan', json('measured'),
      'government_caused', 'note', 'recorded_by',
    ], data.developmentEvents)
    counts.lease = await insert(t, 'lease', [parcelId, 'county_code', 'landholder_code', 'tenant_code', 'starts_on', 'ends_on'], data.leases)
    counts.enterprise_year = await insert(t, 'enterprise_year', [
      'credit_code', 'year', 'tax_paid_wan', 'tax_refund_wan', 'output_wan', 'value_added_wan', 'energy_tce', 'employment', 'profit_wan', 'rating',
    ], data.enterpriseYears)
    counts.county_rule = await insert(t, 'county_rule', ['county_code', 'key', json('value'), 'effective_from', 'note'], data.countyRules)

    // A change links to the same change found in an earlier period: insert period by period.
    const changeIds = new Map<string, number>()
    const changeKey = (period: string, code: string) => `${period}|${code}`
    const byPeriod = new Map<string, (DemoData['rsChanges'][number] & { key: string; linked: string | null })[]>()
    for (const r of data.rsChanges) {
      const rows = byPeriod.get(r.period) ?? []
      rows.push({ ...r, key: changeKey(r.period, r.code), linked: r.linked_code === null ? null : changeKey(r.linked_period!, r.linked_code) })
      byPeriod.set(r.period, rows)
    }
    counts.rs_change = 0
    for (const period of [...byPeriod.keys()].sort()) {
      const rows = byPeriod.get(period)!
      const cols: Column[] = [
        'code', 'period', 'change_type', 'image_before', 'image_after', 'county_code',
        { name: 'linked_to', prop: 'linked', init: (c) => (c.value === null ? null : idOrThrow(changeIds, c.value as string, 'earlier change')) },
        geometry('geom'),
      ]
      counts.rs_change += await insertReturning(t, 'rs_change', cols, rows, ['period', 'code'], (r) => changeKey(r.period!, r.code!), changeIds)
    }

    counts.disposal_ledger = await insert(t, 'disposal_ledger', [
      parcelId, 'county_code', 'measure', 'deadline', 'responsible_unit', 'progress', 'completed_on',
    ], data.disposalLedger)

    counts.parcel_flag = await insert(t, 'parcel_flag', [
      parcelId, 'county_code', 'kind', 'reason', 'set_by', 'set_on', 'cleared_on',
    ], data.parcelFlags)
    return counts
  })
}

function idOrThrow(ids: Map<string, number>, key: string, what: string): number {
  const id = ids.get(key)
  if (id === undefined) throw new Error(`demo load: ${what} "${key}" is not in the data`)
  return id
}
