/** The built cases: parcels, batches, change polygons and ledger entries made on purpose so that
 * every classification of DOMAIN.md has several TRUE cases and several NEAR MISSES, as of
 * REFERENCE_DATE (2025-06-30). Their codes do not depend on the seed (each built parcel takes a
 * fixed serial, each batch a fixed number), so DEMO_CASES is a constant that tests can import.
 *
 * Conventions the near misses pin down (the thresholds are the city-wide county_rule rows of
 * sql/migrations/300_analysis.sql; the demo adds one county override):
 * - idle, not started: days from agreed_start_on to the reference date > idle_days (365).
 *   Stage 2 (recovery) at ≥ idle_stage2_days (730); the built cases sit at 729 and 731.
 * - idle, started: developed_area_m2 < planned_floor_area_m2 / 3 or invested_wan <
 *   0.25 × total_investment_wan, taken from the latest development event, and a halt with no
 *   later resume that has lasted ≥ halt_days (365). A government-caused delay or halt
 *   (government_caused = true) is not idle: a finding, if any, is suspended.
 * - the county 410323 (新安县) overrides idle_days to 300 from 2024-01-01.
 * - inefficient type 2: started, developed > 1/3 and invested > 25 %, halted (≥ 1 year in the
 *   built cases) and not resumed.
 * - unsupplied: remainders smaller than sliver_m2 (1 m²) are not counted; expect true means a
 *   remainder of at least 1 m².
 * - plan conformity: overlaps (outside the boundary, on a non-industrial zone) count beyond 1 m²;
 *   a new project is one granted from 2021-01-01 (phased_supply_from). */
import { ago, day, REF } from './dates'
import { clusterFixture, readFixture } from './fixture'
import { baseTimeline, type Timeline, type YearPlan } from './story'
import type { ChangeType, Indicator, ZoneType } from './types'
import { type CaseBatchSpec, approvalNumber, clusterTaxFactor } from './world'

export type CaseClassification =
  /** 批而未供: the batch has an uncovered remainder ≥ sliver_m2. */
  | 'unsupplied'
  /** 闲置, any stage. */
  | 'idle'
  /** 闲置 two years and more (recovery stage). */
  | 'idle_stage2'
  /** 低效 type 2 停建缓建. */
  | 'inefficient_stalled'
  /** 低效 type 3 开发未达标: a measured indicator misses its contract value. */
  | 'inefficient_underdeveloped'
  /** 低效 type 4 停产半停产: completion accepted, no operating profit for more than 2 years. */
  | 'inefficient_stopped'
  /** 低效 type 5 产出未达标: rated C two years running. */
  | 'inefficient_low_output'
  /** 未供即用: construction on land with no supply record. */
  | 'used_before_supply'
  /** Plan conformity: the parcel is not (wholly) inside its cluster boundary. */
  | 'outside_cluster'
  /** Plan conformity: the parcel lies on a non-industrial plan zone. */
  | 'non_industrial_zone'
  /** Plan conformity: the land user's industry is not a leading industry of the cluster. */
  | 'industry_not_leading'
  /** Plan conformity: a new (granted from 2021-01-01) industrial project of ≥ 100 mu in one piece. */
  | 'large_project_unphased'
  /** stated_area_m2 differs from the geometry's ellipsoidal area by more than 1 % (no county rule
   * holds this share yet: migration 300's area_tolerance is an overlap noise in m²). */
  | 'area_mismatch'
  /** Per-mu tax of the parcel's land (tenants merged, annex 3 art. 14) meets the cluster target, 2024. */
  | 'per_mu_meets_target'
  /** The cluster's per-mu tax (all enterprises with figures) is above its target in 2022–2024. */
  | 'cluster_per_mu_above_target'
  /** A change polygon lying outside every cluster boundary. */
  | 'change_outside_cluster'
  /** A change polygon on an idle parcel (construction may have started: verify). */
  | 'change_on_idle_parcel'
  /** A change polygon linked to the same change detected in an earlier period. */
  | 'change_repeated'
  /** A disposal ledger entry past its deadline and not completed. */
  | 'ledger_overdue'

export interface DemoCase {
  /** Unique: `${classification}:${key}`. */
  id: string
  classification: CaseClassification
  /** true: the rule must fire; false: a near miss it must not fire on. */
  expect: boolean
  subject: 'parcel' | 'batch' | 'cluster' | 'change'
  /** Parcel code, approval_no, cluster code, or rs_change code (with period). */
  code: string
  period?: string
  note: string
}

type CaseEntry = [CaseClassification, boolean, string]

export type Placement =
  | { at: 'batch' }
  | { at: 'case-batch'; batch: string; cover?: 'exact' | 'sliver-1mm' | 'sliver-5cm' }
  | { at: 'zone'; zone: ZoneType }
  | { at: 'outside' }
  | { at: 'straddle' }
  | { at: 'edge-inside' }
  | { at: 'zone-adjacent' }

export interface CaseParcelSpec {
  key: string
  cluster: string
  mu: number
  place: Placement
  timeline: Timeline
  /** Key of an earlier built parcel whose land user also holds this one. */
  sameLandUserAs?: string
  cases: CaseEntry[]
}

export interface CaseChangeSpec {
  key: string
  cluster: string
  period: string
  type: ChangeType
  /** On a built parcel or batch (by key), or beside the cluster. */
  on: { parcel: string } | { batch: string } | { outside: true } | { insideEdge: true }
  /** Key of the change (same cluster) that this one repeats. */
  repeats?: string
  cases: CaseEntry[]
}

export interface CaseLedgerSpec {
  parcel: string
  measure: '自主开发' | '政府收储' | '二次开发' | '收回' | '闲置费'
  deadline: string
  completedOn: string | null
  progress: string
  cases: CaseEntry[]
}

// ---- timelines of the built parcels -------------------------------------------------------

function built(t: Partial<Timeline>): Timeline {
  return { ...baseTimeline(), built: true, ...t }
}

function notStarted(agreedStart: number, extra: Partial<Timeline> = {}): Timeline {
  return built({ signedOn: agreedStart - 150, agreedStartOn: agreedStart, agreedCompletionOn: agreedStart + 730, ...extra })
}

interface Halted {
  start: string
  developed: number
  invested: number
  halt: number
  resume?: string
  govCaused?: boolean
  exact?: boolean
}

function startedHalted(h: Halted): Timeline {
  const start = day(h.start)
  return built({
    signedOn: start - 200,
    agreedStartOn: start - 30,
    agreedCompletionOn: start + 700,
    startOn: start,
    progressOn: start + Math.floor((h.halt - start) / 2),
    haltOn: h.halt,
    haltGovCaused: h.govCaused ?? false,
    resumeOn: h.resume ? day(h.resume) : null,
    developedShare: h.developed,
    investedShare: h.invested,
    exactShares: h.exact ?? false,
  })
}

function underConstruction(signed: string, start: string, extra: Partial<Timeline> = {}): Timeline {
  const s = day(signed)
  const st = day(start)
  return built({
    signedOn: s,
    agreedStartOn: s + 120,
    agreedCompletionOn: s + 120 + 900,
    startOn: st,
    progressOn: Math.min(REF - 30, st + 200),
    developedShare: 0.5,
    investedShare: 0.5,
    ...extra,
  })
}

/** Built, accepted and in production since well before 2022. */
function producing(extra: Partial<Timeline> = {}, signed = '2016-05-10'): Timeline {
  const s = day(signed)
  const start = s + 140
  const completion = start + 600
  return built({
    signedOn: s,
    agreedStartOn: s + 120,
    agreedCompletionOn: s + 120 + 720,
    startOn: start,
    progressOn: start + 300,
    developedShare: 0.5,
    investedShare: 0.5,
    completionOn: completion,
    completionAcceptedOn: completion + 60,
    productionAcceptedOn: completion + 180,
    ...extra,
  })
}

function unsupplied(extra: Partial<Timeline> = {}): Timeline {
  return built({ supplied: false, ...extra })
}

const RATIO: Record<'A' | 'B' | 'C', number> = { A: 1.4, B: 0.8, C: 0.3 }
function rated(...ratings: ('A' | 'B' | 'C')[]): YearPlan[] {
  return ratings.map((r) => ({ taxRatio: RATIO[r], rating: r }))
}
function profits(...p: number[]): YearPlan[] {
  return p.map((v) => ({ taxRatio: 0.8, profit: v, rating: 'B' as const }))
}
function measured(m: Partial<Record<Indicator, number>>): Partial<Timeline> {
  return { measured: m }
}

const BATCH: Placement = { at: 'batch' }

// ---- the built parcels ----------------------------------------------------------------------

export const CASE_PARCELS: readonly CaseParcelSpec[] = [
  // 闲置, not started (city rule: > 365 days after the agreed start; stage 2 from 730)
  { key: 'idle-366', cluster: 'luolong', mu: 30, place: BATCH, timeline: notStarted(ago(366)), cases: [['idle', true, 'not started, agreed start 366 days before the reference date']] },
  { key: 'idle-365', cluster: 'luolong', mu: 30, place: BATCH, timeline: notStarted(ago(365)), cases: [['idle', false, 'not started, agreed start exactly 365 days before: not yet more than one year']] },
  {
    key: 'idle-500', cluster: 'yiyang', mu: 40, place: BATCH, timeline: notStarted(ago(500)),
    cases: [['idle', true, 'not started 500 days after the agreed start'], ['idle_stage2', false, '500 days: stage 1 (idle fee), not recovery']],
  },
  {
    key: 'idle-729', cluster: 'yiyang', mu: 25, place: BATCH, timeline: notStarted(ago(729)),
    cases: [['idle', true, 'not started 729 days after the agreed start'], ['idle_stage2', false, '729 days: one day short of two years']],
  },
  {
    key: 'idle-731', cluster: 'yiyang', mu: 25, place: BATCH, timeline: notStarted(ago(731)),
    cases: [['idle', true, 'not started 731 days after the agreed start'], ['idle_stage2', true, '731 days: two years and more']],
  },
  {
    key: 'idle-1200', cluster: 'yichuan', mu: 60, place: BATCH, timeline: notStarted(ago(1200)),
    cases: [['idle', true, 'not started 1200 days after the agreed start'], ['idle_stage2', true, '1200 days']],
  },
  {
    key: 'idle-gov-delay', cluster: 'gaoxin', mu: 35, place: BATCH, timeline: notStarted(ago(600), { govDelayOn: ago(560) }),
    cases: [['idle', false, 'not started 600 days, but an inspection records a government-caused delay (government_caused = true): suspended, not idle']],
  },
  {
    key: 'idle-county-320', cluster: 'luoxin', mu: 30, place: BATCH, timeline: notStarted(ago(320)),
    cases: [['idle', true, 'county 410323 rule: idle_days 300 from 2024-01-01; not started 320 days (idle only under the county rule)']],
  },
  {
    key: 'idle-county-300', cluster: 'luoxin', mu: 30, place: BATCH, timeline: notStarted(ago(300)),
    cases: [['idle', false, 'county 410323 rule idle_days 300: exactly 300 days is not more than 300']],
  },
  // 闲置, started then halted (2012 measures art. 2)
  {
    key: 'idle-low-developed', cluster: 'songxian', mu: 45, place: BATCH,
    timeline: startedHalted({ start: '2022-03-15', developed: 0.2, invested: 0.4, halt: day('2023-10-01') }),
    cases: [['idle', true, 'developed 20 % (< 1/3), invested 40 %, halted since 2023-10-01']],
  },
  {
    key: 'idle-low-invested', cluster: 'ruyang', mu: 45, place: BATCH,
    timeline: startedHalted({ start: '2022-06-01', developed: 0.5, invested: 0.15, halt: day('2024-01-15') }),
    cases: [
      ['idle', true, 'developed 50 %, invested 15 % (< 25 %), halted since 2024-01-15'],
      ['inefficient_stalled', false, 'invested 15 % is not above 25 %: idle, not stalled'],
    ],
  },
  {
    key: 'idle-exact-third', cluster: 'luoning', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2021-09-01', developed: 1 / 3, invested: 0.4, halt: day('2023-06-01'), exact: true }),
    cases: [['idle', false, 'developed exactly 1/3 of the planned floor area (planned is a multiple of 3), invested 40 %: not below 1/3']],
  },
  {
    key: 'idle-exact-quarter', cluster: 'konggang', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2021-09-01', developed: 0.5, invested: 0.25, halt: day('2023-06-01'), exact: true }),
    cases: [
      ['idle', false, 'invested exactly 25 % of total investment (a multiple of 4 万元), developed 50 %: not below 25 %'],
      ['inefficient_stalled', false, 'invested exactly 25 % is not above 25 %'],
    ],
  },
  {
    key: 'idle-halt-364', cluster: 'yibin', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2023-03-01', developed: 0.2, invested: 0.1, halt: ago(364) }),
    cases: [['idle', false, 'developed 20 %, invested 10 %, but halted only 364 days']],
  },
  {
    key: 'idle-halt-365', cluster: 'gongye', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2023-03-01', developed: 0.2, invested: 0.1, halt: ago(365) }),
    cases: [['idle', true, 'developed 20 %, invested 10 %, halted exactly 365 days ("one year or more")']],
  },
  {
    key: 'idle-resumed', cluster: 'jingkai', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2022-05-01', developed: 0.2, invested: 0.1, halt: day('2023-03-01'), resume: '2024-02-01' }),
    cases: [['idle', false, 'halted 2023-03-01 but resumed 2024-02-01']],
  },
  {
    key: 'idle-started-stage2', cluster: 'xianjin', mu: 50, place: BATCH,
    timeline: startedHalted({ start: '2021-06-10', developed: 0.15, invested: 0.1, halt: day('2022-05-01') }),
    cases: [
      ['idle', true, 'developed 15 %, invested 10 %, halted since 2022-05-01'],
      ['idle_stage2', true, 'halted more than two years (and agreed start more than two years ago)'],
    ],
  },
  {
    key: 'idle-gov-halt', cluster: 'huayang', mu: 40, place: BATCH,
    timeline: startedHalted({ start: '2022-04-01', developed: 0.2, invested: 0.1, halt: day('2023-05-01'), govCaused: true }),
    cases: [['idle', false, 'halted two years with little built, but the halt is government-caused: suspended, not idle']],
  },
  // 低效 type 2 停建缓建
  {
    key: 'stalled-1', cluster: 'shihua', mu: 60, place: BATCH,
    timeline: startedHalted({ start: '2021-08-01', developed: 0.6, invested: 0.5, halt: day('2024-02-01') }),
    cases: [['inefficient_stalled', true, 'developed 60 %, invested 50 %, halted since 2024-02-01'], ['idle', false, 'above both idle thresholds']],
  },
  {
    key: 'stalled-2', cluster: 'gaoxin', mu: 55, place: BATCH,
    timeline: startedHalted({ start: '2021-10-01', developed: 0.45, invested: 0.3, halt: day('2023-08-15') }),
    cases: [['inefficient_stalled', true, 'developed 45 %, invested 30 %, halted since 2023-08-15']],
  },
  {
    key: 'stalled-resumed', cluster: 'luanchuan', mu: 50, place: BATCH,
    timeline: startedHalted({ start: '2021-07-01', developed: 0.6, invested: 0.5, halt: day('2023-04-01'), resume: '2024-03-01' }),
    cases: [['inefficient_stalled', false, 'halted 2023-04-01, resumed 2024-03-01']],
  },
  // 低效 type 3 开发未达标 (contract values: plot ratio 1.2, density 0.4, investment 220, output 300,
  // building coefficient 0.4, green ≤ 0.20, admin/living ≤ 0.07)
  { key: 'underdev-plot', cluster: 'gaoxin', mu: 50, place: BATCH, timeline: producing(measured({ plot_ratio: 0.85 })), cases: [['inefficient_underdeveloped', true, 'plot ratio 0.85 < 1.2']] },
  { key: 'underdev-green', cluster: 'yanshi', mu: 50, place: BATCH, timeline: producing(measured({ green_ratio: 0.25 })), cases: [['inefficient_underdeveloped', true, 'green ratio 0.25 > 0.20']] },
  { key: 'underdev-admin', cluster: 'jingkai', mu: 45, place: BATCH, timeline: producing(measured({ admin_share: 0.09 })), cases: [['inefficient_underdeveloped', true, 'admin/living share 0.09 > 0.07']] },
  { key: 'underdev-investment', cluster: 'yiyang', mu: 45, place: BATCH, timeline: producing(measured({ investment_intensity: 150 })), cases: [['inefficient_underdeveloped', true, 'investment intensity 150 < 220 万元/亩']] },
  { key: 'underdev-green-exact', cluster: 'luolong', mu: 45, place: BATCH, timeline: producing(measured({ green_ratio: 0.2 })), cases: [['inefficient_underdeveloped', false, 'green ratio exactly 0.20 = the maximum; all others pass']] },
  { key: 'underdev-plot-exact', cluster: 'huayang', mu: 45, place: BATCH, timeline: producing(measured({ plot_ratio: 1.2 })), cases: [['inefficient_underdeveloped', false, 'plot ratio exactly 1.2 = the minimum; all others pass']] },
  // 低效 type 4 停产半停产 (profits 2022, 2023, 2024)
  { key: 'stopped-3y', cluster: 'yichuan', mu: 50, place: BATCH, timeline: producing({ years: profits(-50, -30, 0) }), cases: [['inefficient_stopped', true, 'completion accepted; profit −50, −30, 0 in 2022–2024']] },
  { key: 'stopped-3y-b', cluster: 'konggang', mu: 40, place: BATCH, timeline: producing({ years: profits(-12, -8.5, -20) }), cases: [['inefficient_stopped', true, 'completion accepted; losses in 2022–2024']] },
  { key: 'stopped-2y', cluster: 'luoning', mu: 40, place: BATCH, timeline: producing({ years: profits(35, -10, -5) }), cases: [['inefficient_stopped', false, 'no profit in 2023 and 2024 only: two years, not more than two']] },
  {
    key: 'stopped-unaccepted', cluster: 'gongye', mu: 40, place: BATCH,
    timeline: producing({ completionAcceptedOn: null, productionAcceptedOn: null, years: profits(-40, -30, -20) }),
    cases: [['inefficient_stopped', false, 'losses in 2022–2024 but completion never accepted (竣工验收)']],
  },
  // 低效 type 5 产出未达标 (ratings 2022, 2023, 2024)
  { key: 'low-output-bcc', cluster: 'songxian', mu: 40, place: BATCH, timeline: producing({ years: rated('B', 'C', 'C') }), cases: [['inefficient_low_output', true, 'rated B, C, C']] },
  { key: 'low-output-ccc', cluster: 'ruyang', mu: 40, place: BATCH, timeline: producing({ years: rated('C', 'C', 'C') }), cases: [['inefficient_low_output', true, 'rated C, C, C']] },
  { key: 'low-output-bcb', cluster: 'yibin', mu: 40, place: BATCH, timeline: producing({ years: rated('B', 'C', 'B') }), cases: [['inefficient_low_output', false, 'rated C in 2023 then B in 2024']] },
  { key: 'low-output-cbc', cluster: 'shihua', mu: 40, place: BATCH, timeline: producing({ years: rated('C', 'B', 'C') }), cases: [['inefficient_low_output', false, 'rated C, B, C: never two years running']] },
  // 未供即用
  { key: 'ubs-start', cluster: 'luanchuan', mu: 30, place: BATCH, timeline: unsupplied({ unsuppliedStartOn: day('2024-03-10') }), cases: [['used_before_supply', true, 'no contract; a start event on 2024-03-10']] },
  { key: 'ubs-legacy', cluster: 'xianjin', mu: 30, place: BATCH, timeline: unsupplied({ unsuppliedStartOn: day('2019-06-01') }), cases: [['used_before_supply', true, 'no contract; started 2019-06-01, never regularised (deadline was end of 2021)']] },
  { key: 'ubs-change', cluster: 'gaoxin', mu: 30, place: BATCH, timeline: unsupplied(), cases: [['used_before_supply', true, 'no contract; a new-construction change polygon over it in 2024Q3']] },
  { key: 'ubs-none', cluster: 'yanshi', mu: 30, place: BATCH, timeline: unsupplied(), cases: [['used_before_supply', false, 'no contract, but no start event and no change polygon']] },
  {
    key: 'ubs-supplied-change', cluster: 'luolong', mu: 30, place: BATCH, timeline: underConstruction('2023-06-01', '2024-01-10'),
    cases: [['used_before_supply', false, 'a change polygon in 2024Q1, but granted 2023-06-01 before it']],
  },
  // Plan conformity
  { key: 'outside-1', cluster: 'gaoxin', mu: 30, place: { at: 'outside' }, timeline: producing(), cases: [['outside_cluster', true, 'wholly outside the boundary, east side']] },
  { key: 'outside-2', cluster: 'gaoxin', mu: 25, place: { at: 'outside' }, timeline: producing(), cases: [['outside_cluster', true, 'wholly outside the boundary, east side']] },
  { key: 'straddle', cluster: 'yibin', mu: 35, place: { at: 'straddle' }, timeline: producing(), cases: [['outside_cluster', true, 'crosses the east boundary: part inside, part outside (also on the ring road)']] },
  {
    key: 'edge-inside', cluster: 'gaoxin', mu: 30, place: { at: 'edge-inside' }, timeline: producing(),
    cases: [
      ['outside_cluster', false, 'its east edge is the industrial block edge, 20 m + the bulge inside the boundary'],
      ['non_industrial_zone', false, 'its east edge touches the ring road (a road zone) without overlapping it'],
    ],
  },
  { key: 'zone-residential', cluster: 'luolong', mu: 30, place: { at: 'zone', zone: 'residential' }, timeline: producing(), cases: [['non_industrial_zone', true, 'industrial land on the residential (生活配套) zone']] },
  { key: 'zone-green', cluster: 'yichuan', mu: 25, place: { at: 'zone', zone: 'green' }, timeline: producing(), cases: [['non_industrial_zone', true, 'industrial land on the green zone']] },
  { key: 'zone-logistics', cluster: 'xianjin', mu: 30, place: { at: 'zone', zone: 'logistics' }, timeline: producing(), cases: [['non_industrial_zone', true, 'industrial land on the logistics zone']] },
  {
    key: 'zone-adjacent', cluster: 'luolong', mu: 30, place: { at: 'zone-adjacent' }, timeline: producing(),
    cases: [
      ['non_industrial_zone', false, 'on the industrial block whose north edge faces the residential zone across a 30 m road'],
      ['outside_cluster', false, 'near the east edge but inside'],
    ],
  },
  { key: 'industry-textile', cluster: 'gaoxin', mu: 40, place: BATCH, timeline: producing({ industry: '纺织服装' }), cases: [['industry_not_leading', true, '纺织服装 is not a leading industry of 高新技术']] },
  { key: 'industry-food', cluster: 'shihua', mu: 40, place: BATCH, timeline: producing({ industry: '食品制造' }), cases: [['industry_not_leading', true, '食品制造 is not a leading industry of 石化']] },
  { key: 'industry-leading', cluster: 'huayang', mu: 40, place: BATCH, timeline: producing({ industry: '化工新材料' }), cases: [['industry_not_leading', false, '化工新材料 is leading in 孟津华阳']] },
  {
    key: 'industry-leading-2', cluster: 'konggang', mu: 40, place: BATCH, timeline: producing({ industry: '高端装备制造' }),
    cases: [['industry_not_leading', false, '高端装备制造 is leading in 空港 (exact match, not 装备制造)']],
  },
  { key: 'large-120', cluster: 'luolong', mu: 120, place: BATCH, timeline: underConstruction('2022-05-20', '2022-10-01'), cases: [['large_project_unphased', true, '120 mu in one piece, granted 2022-05-20']] },
  { key: 'large-150', cluster: 'yanshi', mu: 150, place: BATCH, timeline: underConstruction('2023-03-15', '2023-08-01'), cases: [['large_project_unphased', true, '150 mu in one piece, granted 2023-03-15']] },
  { key: 'large-99', cluster: 'yibin', mu: 99, place: BATCH, timeline: underConstruction('2022-08-01', '2022-12-01'), cases: [['large_project_unphased', false, '99 mu, granted 2022-08-01']] },
  { key: 'phase-1', cluster: 'jingkai', mu: 80, place: BATCH, timeline: underConstruction('2022-03-01', '2022-07-01'), cases: [['large_project_unphased', false, 'phase 1 of a 160-mu project (80 mu), same land user as phase 2']] },
  {
    key: 'phase-2', cluster: 'jingkai', mu: 80, place: BATCH, timeline: underConstruction('2023-09-01', '2024-02-01'), sameLandUserAs: 'phase-1',
    cases: [['large_project_unphased', false, 'phase 2 of the same project (80 mu), granted 2023-09-01']],
  },
  { key: 'large-old', cluster: 'gongye', mu: 130, place: BATCH, timeline: producing(), cases: [['large_project_unphased', false, '130 mu but granted 2016, before the 2021 action plan (not a new project)']] },
  // stated area against the geometry (1 %)
  { key: 'area-plus-3', cluster: 'shihua', mu: 40, place: BATCH, timeline: producing({ statedAreaFactor: 1.03 }), cases: [['area_mismatch', true, 'stated area 3 % above the geometry']] },
  { key: 'area-minus-2', cluster: 'ruyang', mu: 40, place: BATCH, timeline: producing({ statedAreaFactor: 0.98 }), cases: [['area_mismatch', true, 'stated area 2 % below the geometry']] },
  { key: 'area-plus-0.9', cluster: 'songxian', mu: 40, place: BATCH, timeline: producing({ statedAreaFactor: 1.009 }), cases: [['area_mismatch', false, 'stated area 0.9 % above: within 1 %']] },
  { key: 'area-exact', cluster: 'luanchuan', mu: 40, place: BATCH, timeline: producing(), cases: [['area_mismatch', false, 'stated area equals the ellipsoidal area to the cent']] },
  // per-mu tax with tenants merged (annex 3 art. 14)
  {
    key: 'tenants-merged', cluster: 'jingkai', mu: 40, place: BATCH, timeline: producing({ tenants: 2, landholderTaxRatio: 0.3, tenantTaxRatio: 0.45 }),
    cases: [['per_mu_meets_target', true, 'landholder alone 0.3 × target; with its two tenants 1.2 × target']],
  },
  {
    key: 'tenants-short', cluster: 'jingkai', mu: 40, place: BATCH, timeline: producing({ tenants: 1, landholderTaxRatio: 0.3, tenantTaxRatio: 0.4 }),
    cases: [['per_mu_meets_target', false, 'landholder 0.3 + one tenant 0.4 = 0.7 × target']],
  },
  {
    key: 'tenant-lifts', cluster: 'luolong', mu: 35, place: BATCH, timeline: producing({ tenants: 1, landholderTaxRatio: 0.5, tenantTaxRatio: 0.6 }),
    cases: [['per_mu_meets_target', true, 'landholder 0.5 + one tenant 0.6 = 1.1 × target']],
  },
  {
    key: 'tenant-short', cluster: 'luolong', mu: 35, place: BATCH, timeline: producing({ tenants: 1, landholderTaxRatio: 0.5, tenantTaxRatio: 0.45 }),
    cases: [['per_mu_meets_target', false, 'landholder 0.5 + one tenant 0.45 = 0.95 × target']],
  },
  // parcels of the built batches
  { key: 'batch-part-a', cluster: 'yanshi', mu: 25, place: { at: 'case-batch', batch: 'partial-2015' }, timeline: producing(), cases: [] },
  { key: 'batch-part-b', cluster: 'yanshi', mu: 25, place: { at: 'case-batch', batch: 'partial-2015' }, timeline: producing(), cases: [] },
  { key: 'batch-part-c', cluster: 'yanshi', mu: 25, place: { at: 'case-batch', batch: 'partial-2015' }, timeline: unsupplied(), cases: [] },
  { key: 'batch-exact', cluster: 'konggang', mu: 72, place: { at: 'case-batch', batch: 'exact-cover', cover: 'exact' }, timeline: producing({}, '2019-09-01'), cases: [] },
  { key: 'batch-sliver-1mm', cluster: 'huayang', mu: 72, place: { at: 'case-batch', batch: 'sliver-1mm', cover: 'sliver-1mm' }, timeline: producing({}, '2019-01-15'), cases: [] },
  {
    key: 'batch-sliver-5cm', cluster: 'huayang', mu: 72, place: { at: 'case-batch', batch: 'sliver-5cm', cover: 'sliver-5cm' },
    timeline: underConstruction('2020-12-01', '2021-05-10', { developedShare: 0.7, investedShare: 0.7 }), cases: [],
  },
]

export interface CaseBatch extends CaseBatchSpec {
  cases: CaseEntry[]
}

export const CASE_BATCHES: readonly CaseBatch[] = [
  { key: 'unsupplied-2016', cluster: 'yanshi', approvedOn: '2016-08-15', number: 901, widthM: 200, heightM: 300, fill: 0, cases: [['unsupplied', true, 'approved 2016 (stock before 2018), no parcel at all']] },
  {
    key: 'partial-2015', cluster: 'yanshi', approvedOn: '2015-03-20', number: 902, widthM: 500, heightM: 300, fill: 0.5,
    cases: [['unsupplied', true, 'approved 2015: two supplied parcels, one unsupplied parcel (stage approved), and open land']],
  },
  { key: 'unsupplied-2023', cluster: 'konggang', approvedOn: '2023-05-10', number: 903, widthM: 200, heightM: 300, fill: 0, cases: [['unsupplied', true, 'approved 2023, no parcel']] },
  { key: 'exact-cover', cluster: 'konggang', approvedOn: '2019-04-02', number: 904, widthM: 240, heightM: 200, fill: 1, cases: [['unsupplied', false, 'one supplied parcel with exactly the batch polygon']] },
  {
    key: 'sliver-1mm', cluster: 'huayang', approvedOn: '2018-09-12', number: 905, widthM: 240, heightM: 200, fill: 1,
    cases: [['unsupplied', false, 'supplied parcel short of the north edge by 1 mm: remainder 0.24 m² < sliver_m2 (1 m²)']],
  },
  {
    key: 'sliver-5cm', cluster: 'huayang', approvedOn: '2020-07-06', number: 906, widthM: 240, heightM: 200, fill: 1,
    cases: [['unsupplied', true, 'supplied parcel short of the north edge by 5 cm: remainder 12 m²']],
  },
]

export const CASE_CHANGES: readonly CaseChangeSpec[] = [
  { key: 'ubs-batch', cluster: 'yanshi', period: '2024Q2', type: 'new_construction', on: { batch: 'partial-2015' }, cases: [['used_before_supply', true, 'new construction on the open part of batch partial-2015 (no parcel)']] },
  { key: 'ubs-parcel', cluster: 'gaoxin', period: '2024Q3', type: 'new_construction', on: { parcel: 'ubs-change' }, cases: [['used_before_supply', true, 'new construction on parcel ubs-change, which has no contract']] },
  { key: 'supplied', cluster: 'luolong', period: '2024Q1', type: 'new_construction', on: { parcel: 'ubs-supplied-change' }, cases: [['used_before_supply', false, 'new construction on a parcel granted 2023-06-01']] },
  { key: 'demolition', cluster: 'yanshi', period: '2024Q4', type: 'demolition', on: { batch: 'unsupplied-2016' }, cases: [['used_before_supply', false, 'demolition, not construction, on unsupplied batch land']] },
  { key: 'idle-500', cluster: 'yiyang', period: '2025Q1', type: 'new_construction', on: { parcel: 'idle-500' }, cases: [['change_on_idle_parcel', true, 'construction on idle parcel idle-500']] },
  { key: 'idle-365', cluster: 'luolong', period: '2025Q2', type: 'new_construction', on: { parcel: 'idle-365' }, cases: [['change_on_idle_parcel', false, 'on parcel idle-365, which is not idle']] },
  { key: 'outside-1', cluster: 'gaoxin', period: '2023Q3', type: 'new_construction', on: { outside: true }, cases: [['change_outside_cluster', true, 'west of the 高新技术 boundary']] },
  { key: 'outside-2', cluster: 'shihua', period: '2024Q2', type: 'earth_moving', on: { outside: true }, cases: [['change_outside_cluster', true, 'west of the 石化 boundary']] },
  { key: 'inside-edge', cluster: 'gaoxin', period: '2024Q2', type: 'earth_moving', on: { insideEdge: true }, cases: [['change_outside_cluster', false, 'on the ring road 4–18 m inside the east edge']] },
  { key: 'inside-edge-2', cluster: 'shihua', period: '2025Q1', type: 'new_construction', on: { insideEdge: true }, cases: [['change_outside_cluster', false, 'on the ring road 4–18 m inside the east edge']] },
  { key: 'idle-1200', cluster: 'yichuan', period: '2024Q4', type: 'new_construction', on: { parcel: 'idle-1200' }, cases: [['change_on_idle_parcel', true, 'construction on idle parcel idle-1200']] },
  { key: 'repeat-a', cluster: 'konggang', period: '2024Q1', type: 'earth_moving', on: { batch: 'unsupplied-2023' }, cases: [['change_repeated', false, 'first detection']] },
  {
    key: 'repeat-b', cluster: 'konggang', period: '2024Q3', type: 'new_construction', on: { batch: 'unsupplied-2023' }, repeats: 'repeat-a',
    cases: [['change_repeated', true, 'the same place again, linked to repeat-a'], ['used_before_supply', true, 'new construction on batch unsupplied-2023 (no parcel)']],
  },
]

export const CASE_LEDGER: readonly CaseLedgerSpec[] = [
  { parcel: 'idle-1200', measure: '收回', deadline: '2025-03-31', completedOn: null, progress: '已下达收回决定书，企业申请复议', cases: [['ledger_overdue', true, 'deadline 2025-03-31, not completed']] },
  { parcel: 'idle-started-stage2', measure: '收回', deadline: '2024-12-31', completedOn: null, progress: '企业提出异议，待复核', cases: [['ledger_overdue', true, 'deadline 2024-12-31, not completed']] },
  { parcel: 'idle-500', measure: '闲置费', deadline: '2025-06-30', completedOn: null, progress: '已下达征缴通知', cases: [['ledger_overdue', false, 'deadline is the reference date itself: due, not overdue']] },
  { parcel: 'stalled-1', measure: '自主开发', deadline: '2025-01-31', completedOn: '2025-01-20', progress: '已复工', cases: [['ledger_overdue', false, 'completed 2025-01-20, before its deadline']] },
]

// ---- codes ------------------------------------------------------------------------------------

export function caseParcelIndex(key: string): number {
  const k = CASE_PARCELS.findIndex((p) => p.key === key)
  if (k < 0) throw new RangeError(`no built parcel "${key}"`)
  return k
}

/** 宗地编号: county, land-use letters (GY 工业, CC 仓储), serial. */
export function parcelCode(countyCode: string, landUse: string, index: number): string {
  return `${countyCode}-${landUse === '仓储用地' ? 'CC' : 'GY'}-${String(index + 1).padStart(6, '0')}`
}

export function caseParcelCode(key: string): string {
  const k = caseParcelIndex(key)
  return parcelCode(clusterFixture(CASE_PARCELS[k]!.cluster).county_code, '工业用地', k)
}

export function caseBatchNo(key: string): string {
  const b = CASE_BATCHES.find((x) => x.key === key)
  if (!b) throw new RangeError(`no built batch "${key}"`)
  return approvalNumber(Number(b.approvedOn.slice(0, 4)), b.number)
}

/** rs_change codes: county, period, serial (built changes from 9001). */
export function changeCode(countyCode: string, period: string, serial: number): string {
  return `${countyCode}-${period}-${String(serial).padStart(4, '0')}`
}

export function caseChangeCode(key: string): string {
  const k = CASE_CHANGES.findIndex((c) => c.key === key)
  if (k < 0) throw new RangeError(`no built change "${key}"`)
  const c = CASE_CHANGES[k]!
  return changeCode(clusterFixture(c.cluster).county_code, c.period, 9001 + k)
}

function entries(subject: DemoCase['subject'], key: string, code: string, list: CaseEntry[], period?: string): DemoCase[] {
  return list.map(([classification, expect, note]) => ({
    id: `${classification}:${key}`,
    classification,
    expect,
    subject,
    code,
    ...(period ? { period } : {}),
    note,
  }))
}

function buildCases(): DemoCase[] {
  const out: DemoCase[] = []
  for (const p of CASE_PARCELS) out.push(...entries('parcel', p.key, caseParcelCode(p.key), p.cases))
  for (const b of CASE_BATCHES) out.push(...entries('batch', b.key, caseBatchNo(b.key), b.cases))
  for (const c of CASE_CHANGES) out.push(...entries('change', `change-${c.key}`, caseChangeCode(c.key), c.cases, c.period))
  for (const l of CASE_LEDGER) out.push(...entries('parcel', `ledger-${l.parcel}`, caseParcelCode(l.parcel), l.cases))
  readFixture().clusters.forEach((c, k) => {
    const f = clusterTaxFactor(k)
    out.push(...entries('cluster', c.code, c.code, [[
      'cluster_per_mu_above_target',
      f > 1,
      `tax per mu drawn around ${f.toFixed(2)} × the ${c.target_tax_per_mu} 万元/亩 target`,
    ]]))
  })
  return out
}

/** Every built case, as of REFERENCE_DATE. Independent of the seed. */
export const DEMO_CASES: readonly DemoCase[] = buildCases()
