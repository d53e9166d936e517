/** Deterministic demo data for OneMap: the 18 Luoyang clusters with plan zones, approval batches,
 * parcels with their whole life (contract, indicators, development, land user, tenants, yearly
 * figures), county rules, remote-sensing changes and the disposal ledger; and, among them, the
 * built cases of DEMO_CASES (cases.ts) as of REFERENCE_DATE.
 *
 * generateDemo() holds one set in memory (the default: 2000 parcels, the demo the server loads).
 * generateParcels() / generateParcelBundles() stream parcels one at a time for benchmark sets
 * of 100k or 1M parcels; for the same seed, parcels and batches their first N parcels are those of
 * generateDemo({ parcels: N }). Parcels beyond what the batches hold go to an overflow lattice
 * outside every cluster (world.ts). */
import {
  CASE_BATCHES, CASE_CHANGES, CASE_LEDGER, CASE_PARCELS, type DemoCase, DEMO_CASES, caseChangeCode,
  caseParcelIndex, changeCode, parcelCode,
} from './cases'
import { REF, REFERENCE_DATE, day, iso, periodOf, quarterRange } from './dates'
import { Frame, M2_PER_MU, type Rect, inset, rectHeight, rectWidth } from './geo'
import { buildFlags } from './flags'
import { placeDemolitionsOnProducing } from './alert-cases'
import { Rng } from './random'
import { retime } from './retime'
import { type ClusterContext, type Timeline, looksIdle, materialise, randomTimeline, stageOf } from './story'
import type {
  ApprovalBatchRow, ClusterRow, DemoData, ContractIndicatorRow, CountyRow, CountyRuleRow, DevelopmentEventRow,
  DisposalLedgerRow, EnterpriseRow, EnterpriseYearRow, LeaseRow, ParcelBundle, ParcelFlagRow, ParcelRow, PlanZoneRow,
  RsChangeRow, SupplyContractRow,
} from './types'
import {
  type BatchPlace, type ClusterPlace, MAX_BULGE, type World, batchRow, buildWorld,
  caseBlockEastStrip, clusterRow, planZoneRows,
} from './world'

export { DEMO_CASES, type DemoCase, type CaseClassification } from './cases'
export { REFERENCE_DATE } from './dates'
export { beijingToday, shiftFor, shiftPeriod } from './retime'
export type * from './types'

export interface DemoOptions {
  seed?: number
  /** Parcels, the built cases included (at least CASE_PARCELS.length). */
  parcels?: number
  /** Approval batches, the built ones included (at least 18 + CASE_BATCHES.length). */
  batches?: number
  /** Remote-sensing change polygons, the built ones included. */
  changes?: number
  /** Parcels beyond what the clusters' batches hold are this percentage of their drawn area
   * (1–100, default 100): a province-sized set of a million parcels fits the city's counties at
   * about 20. */
  overflowAreaPercent?: number
  /** The day the story runs up to (YYYY-MM-DD, not before REFERENCE_DATE): every date of the
   * story moves so that its reference date is this day (retime.ts). Without it the story ends on
   * REFERENCE_DATE, as the built cases are written; the server passes the real date. */
  today?: string
}

export const DEMO_DEFAULTS = { seed: 20210428, parcels: 2000, batches: 150, changes: 300, overflowAreaPercent: 100 } as const

export type { DemoData } from './types'

/** The county rules of the demo: one county's override of the city-wide defaults, versioned.
 * The city-wide defaults themselves (idle_days 365, idle_stage2_days 730, idle_developed_share 1/3,
 * idle_invested_share 0.25, halt_days 365, sliver_m2 1, no_profit_years 2, green_ratio_max 0.20,
 * admin_share_max 0.07, …) are rows of migration sql/migrations/300_analysis.sql, in force from
 * 1900-01-01; city-wide rows here would shadow them from their date on. */
export const DEMO_COUNTY_RULES: readonly CountyRuleRow[] = [
  { county_code: '410323', key: 'idle_days', value: 365, effective_from: '2021-07-01', note: '新安县细则 (2021): 同全市，约定动工日期后满一年未动工' },
  { county_code: '410323', key: 'idle_days', value: 300, effective_from: '2024-01-01', note: '新安县细则 (2024): 约定动工日期后超过300日未动工即认定闲置' },
]

/** One parcel with where it lies, for the generators that place changes and ledger entries. */
interface Placed {
  bundle: ParcelBundle
  index: number
  cluster: ClusterPlace | null
  frame: Frame
  rect: Rect
  timeline: Timeline
  batch: BatchPlace | null
  caseKey: string | null
}

function resolve({ today: _today, ...opts }: DemoOptions = {}) {
  const o = { ...DEMO_DEFAULTS, ...opts }
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a whole number ≥ 0, got ${v}`)
  }
  if (o.parcels < CASE_PARCELS.length) throw new RangeError(`parcels must be ≥ ${CASE_PARCELS.length} (the built cases), got ${o.parcels}`)
  if (o.overflowAreaPercent < 1 || o.overflowAreaPercent > 100) throw new RangeError(`overflowAreaPercent must be 1–100, got ${o.overflowAreaPercent}`)
  if (o.changes < CASE_CHANGES.length) throw new RangeError(`changes must be ≥ ${CASE_CHANGES.length} (the built cases), got ${o.changes}`)
  return o
}

/** A parcel's cluster figures; `county` is given for land outside every cluster, which lies in
 * the county holding it (the nearest cluster may be in another). */
function clusterContext(c: ClusterPlace, inside: boolean, county?: { code: string; name: string }): ClusterContext {
  const countyName = county?.name ?? c.countyName
  return {
    code: inside ? c.fx.code : null,
    countyCode: county?.code ?? c.fx.county_code,
    place: countyName.endsWith('县') ? countyName : '洛阳',
    target: c.fx.target_tax_per_mu,
    taxFactor: c.taxFactor,
    leading: c.fx.leading_industries,
  }
}

const CASE_ASPECT = 1.2

function placeCase(world: World, k: number): { cluster: ClusterPlace; rect: Rect; batch: BatchPlace | null } {
  const spec = CASE_PARCELS[k]!
  const c = world.byCode.get(spec.cluster)!
  const area = spec.mu * M2_PER_MU
  const what = `built parcel ${spec.key}`
  const cb = c.caseBlock.rect
  const p = spec.place
  switch (p.at) {
    case 'batch': {
      const t = spec.timeline
      const by = (t.supplied ? t.signedOn : (t.unsuppliedStartOn ?? REF)) - 90
      for (const b of world.genericBatches) {
        if (b.cluster !== c || b.approvedOn > by) continue
        const rect = b.packer.place(area, CASE_ASPECT)
        if (rect) return { cluster: c, rect, batch: b }
      }
      throw new Error(`demo layout: no batch of ${c.fx.code} approved by ${iso(by)} has room for ${what}`)
    }
    case 'case-batch': {
      const b = world.caseBatches.get(p.batch)!
      const r = b.rect
      const rect =
        p.cover === 'exact' ? { ...r }
        : p.cover === 'sliver-1mm' ? { ...r, y1: r.y1 - 0.001 }
        : p.cover === 'sliver-5cm' ? { ...r, y1: r.y1 - 0.05 }
        : b.packer.placeOrThrow(area, CASE_ASPECT, what)
      return { cluster: c, rect, batch: b }
    }
    case 'zone':
      return { cluster: c, rect: c.zonePackers.get(p.zone)!.placeOrThrow(area, CASE_ASPECT, what), batch: null }
    case 'outside':
      return { cluster: c, rect: c.outsidePacker.placeOrThrow(area, CASE_ASPECT, what), batch: null }
    case 'straddle': {
      // From inside the case block, across the ring road and the boundary, 150 m beyond its bulge.
      const x0 = cb.x1 - 10
      const x1 = c.H * (1 + MAX_BULGE) + 150
      const y0 = cb.y0 + 300
      return { cluster: c, rect: { x0, y0, x1, y1: y0 + area / (x1 - x0) }, batch: null }
    }
    case 'edge-inside': {
      const strip = caseBlockEastStrip(c)
      return { cluster: c, rect: { x0: strip.x1 - 240, y0: strip.y0 + 10, x1: strip.x1, y1: strip.y0 + 10 + area / 240 }, batch: null }
    }
    case 'zone-adjacent': {
      const strip = caseBlockEastStrip(c)
      return { cluster: c, rect: { x0: strip.x0, y0: strip.y1 - area / 250, x1: strip.x0 + 250, y1: strip.y1 }, batch: null }
    }
  }
}

function* placedParcels(world: World, seed: number, count: number): Generator<Placed> {
  const emit = (index: number, cluster: ClusterPlace, inside: boolean, frame: Frame, rect: Rect, timeline: Timeline, batch: BatchPlace | null, caseKey: string | null,
    county?: { code: string; name: string }): Placed => {
    const ctx = clusterContext(cluster, inside, county)
    const code = parcelCode(ctx.countyCode, timeline.landUse, index)
    const areaM2 = frame.rectArea(rect)
    const parcel: ParcelRow = {
      code,
      county_code: ctx.countyCode,
      cluster_code: ctx.code,
      land_use: timeline.landUse,
      stage: stageOf(timeline),
      stated_area_m2: Math.round(areaM2 * timeline.statedAreaFactor * 100) / 100,
      geom: frame.rect(rect),
    }
    const bundle = materialise({ seed, index, code, areaM2, cluster: ctx, timeline, rng: new Rng(seed, 'rows', index) }, parcel)
    return { bundle, index, cluster: inside ? cluster : null, frame, rect, timeline, batch, caseKey }
  }

  for (let k = 0; k < CASE_PARCELS.length; k++) {
    const spec = CASE_PARCELS[k]!
    const { cluster, rect, batch } = placeCase(world, k)
    const timeline: Timeline = { ...spec.timeline, ownerIndex: spec.sameLandUserAs ? caseParcelIndex(spec.sameLandUserAs) : null }
    yield emit(k, cluster, true, cluster.frame, rect, timeline, batch, spec.key)
  }

  // Generic parcels: round robin over the open batches, then the overflow lattice.
  const open = world.genericBatches.filter((b) => !b.packer.closed)
  const lattice = world.lattice
  let turn = 0
  let prev: Placed | null = null
  for (let i = CASE_PARCELS.length; i < count; i++) {
    const size = new Rng(seed, 'size', i)
    const area = size.logNormal(24, 0.65, 10, 150) * M2_PER_MU
    const aspect = size.float(0.6, 1.6)
    let batch: BatchPlace | null = null
    let rect: Rect | null = null
    // Each open batch gets one try, starting where the last parcel went.
    for (let tries = open.length; tries > 0 && !rect; tries--) {
      if (turn >= open.length) turn = 0
      const b = open[turn]!
      rect = b.packer.place(area, aspect)
      if (rect) batch = b
      if (b.packer.closed) open.splice(turn, 1)
      else turn++
    }
    let placed: Placed
    let timeline = randomTimeline(new Rng(seed, 'story', i), batch?.approvedOn ?? day('2012-01-01'))
    if (batch && rect) {
      // Now and then one land user holds two parcels of the same cluster.
      const p = prev
      if (p && p.cluster === batch.cluster && p.timeline.supplied && p.timeline.ownerIndex === null && p.timeline.terminatedOn === null &&
          timeline.supplied && new Rng(seed, 'share', i).chance(0.04)) {
        timeline.ownerIndex = p.index
        timeline.offPlan = p.timeline.offPlan
        timeline.industry = p.timeline.industry
      }
      placed = emit(i, batch.cluster, true, batch.cluster.frame, rect, timeline, batch, null)
    } else {
      const spot = lattice.place(area, aspect)
      if (spot.batch) timeline = randomTimeline(new Rng(seed, 'story', i), spot.batch.approvedOn)
      placed = emit(i, spot.cell.near, false, lattice.frame, spot.rect, timeline, spot.batch, null, spot.cell.county)
    }
    prev = placed
    yield placed
  }
}

function worldOf(o: ReturnType<typeof resolve>): World {
  const world = buildWorld(o.seed, o.batches, CASE_BATCHES)
  world.lattice.areaScale = o.overflowAreaPercent / 100
  return world
}

/** Parcels with everything hanging off them, one at a time (constant memory). */
export function* generateParcelBundles(opts: DemoOptions = {}): Generator<ParcelBundle> {
  const o = resolve(opts)
  for (const p of placedParcels(worldOf(o), o.seed, o.parcels)) yield p.bundle
}

/** A set too big to hold in memory (benchmarks): the places and batches, then the parcels with
 * everything hanging off them one at a time, as generateParcelBundles() yields them. */
export function streamDemo(opts: DemoOptions = {}): Pick<DemoData, 'counties' | 'clusters' | 'planZones' | 'approvalBatches'> & { bundles: Generator<ParcelBundle> } {
  const o = resolve(opts)
  const world = worldOf(o)
  return {
    counties: world.counties,
    clusters: world.clusters.map(clusterRow),
    planZones: world.clusters.flatMap(planZoneRows),
    approvalBatches: world.batches.map(batchRow),
    bundles: (function* () {
      for (const p of placedParcels(world, o.seed, o.parcels)) yield p.bundle
    })(),
  }
}

/** Parcel rows only, one at a time (constant memory): for benchmark sets of 100k–1M parcels. */
export function* generateParcels(opts: DemoOptions = {}): Generator<ParcelRow> {
  for (const b of generateParcelBundles(opts)) yield b.parcel
}

// ---- remote-sensing changes -----------------------------------------------------------------

const PERIODS: string[] = []
for (let y = 2022; y <= 2025; y++) for (let q = 1; q <= 4; q++) if (y < 2025 || q <= 2) PERIODS.push(`${y}Q${q}`)

function imageDates(period: string, rng: Rng): { image_before: string; image_after: string } {
  const { last } = quarterRange(period)
  const after = Math.min(REF, last - rng.int(0, 40))
  return { image_before: iso(after - rng.int(85, 100)), image_after: iso(after) }
}

/** A w×h rectangle somewhere inside `r` (shrunk to fit). */
function within(rng: Rng, r: Rect, w: number, h: number): Rect {
  const ww = Math.min(w, rectWidth(r))
  const hh = Math.min(h, rectHeight(r))
  const x0 = r.x0 + rng.float(0, rectWidth(r) - ww)
  const y0 = r.y0 + rng.float(0, rectHeight(r) - hh)
  return { x0, y0, x1: x0 + ww, y1: y0 + hh }
}

function outsideWest(c: ClusterPlace, rng: Rng | null): Rect {
  const x1 = -c.H * (1 + MAX_BULGE) - (rng ? rng.float(150, 700) : 400)
  const w = rng ? rng.float(30, 150) : 120
  const y0 = rng ? rng.float(-c.H, c.H - 150) : -40
  return { x0: x1 - w, y0, x1, y1: y0 + (rng ? rng.float(30, 150) : 80) }
}

function buildChanges(world: World, placed: Placed[], count: number, seed: number): RsChangeRow[] {
  const rows: RsChangeRow[] = []
  const byKey = new Map(placed.filter((p) => p.caseKey).map((p) => [p.caseKey!, p]))
  const row = (c: ClusterPlace, frame: Frame, rect: Rect, code: string, period: string, type: RsChangeRow['change_type'], rng: Rng, linked: RsChangeRow | null = null): RsChangeRow => ({
    code,
    period,
    change_type: type,
    ...imageDates(period, rng),
    county_code: c.fx.county_code,
    linked_period: linked?.period ?? null,
    linked_code: linked?.code ?? null,
    geom: frame.rect(rect),
  })

  // The built changes.
  const builtRows = new Map<string, RsChangeRow>()
  for (const spec of CASE_CHANGES) {
    const c = world.byCode.get(spec.cluster)!
    const rng = new Rng(seed, 'change', spec.key)
    let rect: Rect
    const on = spec.on
    if ('parcel' in on) {
      rect = inset(byKey.get(on.parcel)!.rect, 8)
    } else if ('batch' in on) {
      const b = world.caseBatches.get(on.batch)!.rect
      const cx = (b.x0 + b.x1) / 2
      const cy = (b.y0 + b.y1) / 2
      rect = on.batch === 'partial-2015'
        ? { x0: b.x0 + 40, y0: b.y1 - 110, x1: b.x0 + 140, y1: b.y1 - 40 } // above the parcels (fill 0.5)
        : spec.repeats ? { x0: cx - 40, y0: cy - 30, x1: cx + 40, y1: cy + 30 } : { x0: cx - 30, y0: cy - 25, x1: cx + 30, y1: cy + 25 }
    } else if ('outside' in on) {
      rect = outsideWest(c, null)
    } else {
      const cb = c.caseBlock.rect
      rect = { x0: c.H - 18, y0: cb.y0 + 600, x1: c.H - 4, y1: cb.y0 + 640 }
    }
    const linked = spec.repeats ? builtRows.get(spec.repeats)! : null
    const r = row(c, c.frame, rect, caseChangeCode(spec.key), spec.period, spec.type, rng, linked)
    builtRows.set(spec.key, r)
    rows.push(r)
  }

  // Generic changes.
  const rng = new Rng(seed, 'changes')
  const generic = placed.filter((p) => !p.caseKey && p.cluster)
  const pools = {
    unsupplied: generic.filter((p) => !p.timeline.supplied),
    idle: generic.filter((p) => p.timeline.startOn === null && looksIdle(p.timeline)),
    building: generic.filter((p) => stageOf(p.timeline) === 'under_construction'),
  }
  const openBatches = world.genericBatches.filter((b) => (1 - b.fill) * rectHeight(b.rect) >= 60)
  const serial = new Map<string, number>()
  const nextCode = (county: string, period: string) => {
    const k = `${county}|${period}`
    const n = (serial.get(k) ?? 0) + 1
    serial.set(k, n)
    return changeCode(county, period, n)
  }
  const recent = PERIODS.filter((p) => p >= '2023Q1')
  const genericRows: RsChangeRow[] = []
  const kinds = ['remainder', 'unsupplied', 'idle', 'building', 'outside', 'other', 'repeat'] as const
  for (let j = rows.length; j < count; j++) {
    let kind = rng.weighted(kinds, [25, 10, 10, 30, 10, 10, 5])
    if ((kind === 'unsupplied' || kind === 'idle' || kind === 'building') && pools[kind].length === 0) kind = 'remainder'
    if (kind === 'repeat' && !genericRows.some((r) => r.period < '2025Q2')) kind = 'remainder'
    if (kind === 'remainder' && openBatches.length === 0) kind = 'other'
    const size = () => [rng.float(20, 120), rng.float(20, 120)] as const
    let r: RsChangeRow
    if (kind === 'repeat') {
      const first = rng.pick(genericRows.filter((x) => x.period < '2025Q2'))
      const period = rng.pick(PERIODS.filter((p) => p > first.period))
      r = { ...first, code: nextCode(first.county_code, period), period, ...imageDates(period, rng), linked_period: first.period, linked_code: first.code }
    } else if (kind === 'remainder') {
      const b = rng.pick(openBatches)
      const band = { x0: b.rect.x0 + 10, y0: b.rect.y0 + b.fill * rectHeight(b.rect) + 15, x1: b.rect.x1 - 10, y1: b.rect.y1 - 10 }
      const period = rng.pick(recent)
      r = row(b.cluster, b.cluster.frame, within(rng, band, ...size()), nextCode(b.cluster.fx.county_code, period), period, rng.chance(0.85) ? 'new_construction' : 'earth_moving', rng)
    } else if (kind === 'unsupplied' || kind === 'idle' || kind === 'building') {
      const p = rng.pick(pools[kind])
      const start = p.timeline.startOn
      const period = kind === 'building' && start !== null && periodOf(start) >= PERIODS[0]! ? periodOf(start) : rng.pick(recent)
      const type = kind === 'building' || rng.chance(0.85) ? 'new_construction' : 'earth_moving'
      r = row(p.cluster!, p.frame, within(rng, inset(p.rect, 5), ...size()), nextCode(p.cluster!.fx.county_code, period), period, type, rng)
    } else if (kind === 'outside') {
      const c = rng.pick(world.clusters)
      const period = rng.pick(PERIODS)
      r = row(c, c.frame, outsideWest(c, rng), nextCode(c.fx.county_code, period), period, rng.chance(0.7) ? 'new_construction' : 'earth_moving', rng)
    } else {
      const c = rng.pick(world.clusters)
      const block = rng.pick(c.blocks)
      const period = rng.pick(PERIODS)
      r = row(c, c.frame, within(rng, inset(block.rect, 10), ...size()), nextCode(c.fx.county_code, period), period, rng.chance(0.5) ? 'demolition' : 'earth_moving', rng)
    }
    genericRows.push(r)
    rows.push(r)
  }
  return rows
}

// ---- disposal ledger (工作台账, annex 3 art. 6) ------------------------------------------------

const PROGRESS = ['已约谈企业', '已制定处置方案', '正在办理手续', '已报县区政府审定', '企业已提交开发计划']

function buildLedger(placed: Placed[], seed: number): DisposalLedgerRow[] {
  const rows: DisposalLedgerRow[] = []
  const byKey = new Map(placed.filter((p) => p.caseKey).map((p) => [p.caseKey!, p]))
  for (const l of CASE_LEDGER) {
    const p = byKey.get(l.parcel)!
    rows.push({
      parcel_code: p.bundle.parcel.code,
      county_code: p.bundle.parcel.county_code,
      measure: l.measure,
      deadline: l.deadline,
      responsible_unit: `${p.cluster!.countyName}自然资源和规划局`,
      progress: l.progress,
      completed_on: l.completedOn,
    })
  }
  const rng = new Rng(seed, 'ledger')
  for (const p of placed) {
    if (p.caseKey || !p.cluster) continue
    const t = p.timeline
    let measure: DisposalLedgerRow['measure'] | null = null
    if (t.terminatedOn !== null) measure = '收回'
    else if (t.startOn === null && looksIdle(t) && rng.chance(0.5)) measure = REF - t.agreedStartOn >= 730 ? '收回' : '闲置费'
    else if (t.haltOn !== null && t.resumeOn === null && rng.chance(0.5)) measure = rng.pick(['自主开发', '二次开发'] as const)
    else {
      const last = p.bundle.years.filter((y) => y.credit_code === p.bundle.contract?.land_user_code).slice(-2)
      if (last.length === 2 && last.every((y) => y.rating === 'C' || y.rating === 'D') && rng.chance(0.3)) measure = rng.pick(['二次开发', '政府收储'] as const)
    }
    if (!measure) continue
    const c = p.cluster
    const done = t.terminatedOn
    const deadline = done !== null ? done + rng.int(0, 90) : REF + rng.int(-300, 365)
    const completed = done !== null ? done : deadline < REF ? (rng.chance(0.6) ? deadline - rng.int(0, 60) : null) : rng.chance(0.15) ? REF - rng.int(1, 100) : null
    rows.push({
      parcel_code: p.bundle.parcel.code,
      county_code: p.bundle.parcel.county_code,
      measure,
      deadline: iso(deadline),
      responsible_unit: rng.chance(0.5) ? `${c.fx.short_name}产业集聚区管理委员会` : `${c.countyName}自然资源和规划局`,
      progress: completed !== null ? '已完成' : rng.pick(PROGRESS),
      completed_on: completed === null ? null : iso(completed),
    })
  }
  return rows
}

/** The whole demo set in memory. Deterministic: the same options give the same data. */
export function generateDemo(opts: DemoOptions = {}): DemoData {
  const o = resolve(opts)
  const world = worldOf(o)
  const data: DemoData = {
    seed: o.seed,
    referenceDate: REFERENCE_DATE,
    counties: world.counties,
    clusters: world.clusters.map(clusterRow),
    planZones: world.clusters.flatMap(planZoneRows),
    approvalBatches: world.batches.map(batchRow),
    enterprises: [],
    parcels: [],
    supplyContracts: [],
    contractIndicators: [],
    developmentEvents: [],
    leases: [],
    enterpriseYears: [],
    countyRules: DEMO_COUNTY_RULES.map((r) => ({ ...r })),
    rsChanges: [],
    disposalLedger: [],
    parcelFlags: [],
    cases: DEMO_CASES,
  }
  const placed: Placed[] = []
  for (const p of placedParcels(world, o.seed, o.parcels)) {
    const b = p.bundle
    placed.push(p)
    data.parcels.push(b.parcel)
    data.enterprises.push(...b.enterprises)
    if (b.contract) data.supplyContracts.push(b.contract)
    data.contractIndicators.push(...b.indicators)
    data.developmentEvents.push(...b.events)
    data.leases.push(...b.leases)
    data.enterpriseYears.push(...b.years)
  }
  data.rsChanges = buildChanges(world, placed, o.changes, o.seed)
  placeDemolitionsOnProducing(data.rsChanges, placed, o.seed) // so that the demo has alerts of every type
  data.disposalLedger = buildLedger(placed, o.seed)
  data.parcelFlags = buildFlags(data.parcels, o.seed)
  return opts.today === undefined ? data : retime(data, opts.today)
}
