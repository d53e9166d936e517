/** A parcel's life (DOMAIN.md "The land's life cycle"): a Timeline of dates and shares, drawn at
 * random for generic parcels or written by hand for the built cases, and turned into rows
 * (contract, indicators, development events, land user, tenants, yearly figures). */
import { makeCreditCode } from './credit-code'
import { REF, day, iso, monthOf, yearOf } from './dates'
import { M2_PER_MU } from './geo'
import { OFF_PLAN_INDUSTRIES, enterpriseName, personName, placeholderPhone } from './names'
import { Rng, hash32 } from './random'
import type { DevelopmentEventRow, EnterpriseRow, Indicator, ParcelBundle, Rating, Stage } from './types'

const FIGURE_YEARS = [2022, 2023, 2024] as const
const STANDARD_LAND_FROM = day('2021-01-01')

/** One year of a built case's figures: tax per mu as a share of the cluster target, and
 * optionally the profit (万元) and rating to record. */
export interface YearPlan {
  taxRatio: number
  profit?: number
  rating?: Rating
}

export interface Timeline {
  supplied: boolean
  method: 'grant' | 'allocation'
  landUse: '工业用地' | '仓储用地'
  signedOn: number
  agreedStartOn: number
  agreedCompletionOn: number
  standard: boolean
  majorProject: boolean
  termYears: number | null
  /** Construction started on land with no supply record (未供即用). */
  unsuppliedStartOn: number | null
  /** A government-caused delay recorded before any start (suspends idleness). */
  govDelayOn: number | null
  startOn: number | null
  progressOn: number | null
  haltOn: number | null
  haltGovCaused: boolean
  resumeOn: number | null
  completionOn: number | null
  completionAcceptedOn: number | null
  productionAcceptedOn: number | null
  terminatedOn: number | null
  /** Developed area and investment, as shares of the planned floor area and total investment,
   * reached at the halt (or at the last progress report when there is no halt). */
  developedShare: number
  investedShare: number
  /** Planned floor area a multiple of 3 m² and total investment of 4 万元, so that the exact 1/3
   * and 25 % near misses are exact in both float and numeric arithmetic. */
  exactShares: boolean
  /** Contract indicator values that replace the drawn ones. */
  indicators: Partial<Record<Indicator, number>>
  /** Values measured at the production acceptance that replace the drawn (passing) ones. */
  measured: Partial<Record<Indicator, number>>
  /** A generic parcel that misses one indicator at its acceptance. */
  failIndicator: Indicator | null
  /** Industry of the land user; null draws one of the cluster's leading industries. */
  industry: string | null
  offPlan: boolean
  /** Figures for FIGURE_YEARS, or null for drawn ones. */
  years: YearPlan[] | null
  tenants: number
  /** Built cases: the land user's and each tenant's tax per mu as a share of the target. */
  landholderTaxRatio: number | null
  tenantTaxRatio: number | null
  statedAreaFactor: number
  /** The parcel index whose land user also holds this parcel (phased supply, or one firm with two
   * parcels); null: its own land user. */
  ownerIndex: number | null
  /** A built case: nothing drawn may add a failure that the case did not ask for. */
  built: boolean
}

export function baseTimeline(): Timeline {
  return {
    supplied: true,
    method: 'grant',
    landUse: '工业用地',
    signedOn: 0,
    agreedStartOn: 0,
    agreedCompletionOn: 0,
    standard: false,
    majorProject: false,
    termYears: null,
    unsuppliedStartOn: null,
    govDelayOn: null,
    startOn: null,
    progressOn: null,
    haltOn: null,
    haltGovCaused: false,
    resumeOn: null,
    completionOn: null,
    completionAcceptedOn: null,
    productionAcceptedOn: null,
    terminatedOn: null,
    developedShare: 0,
    investedShare: 0,
    exactShares: false,
    indicators: {},
    measured: {},
    failIndicator: null,
    industry: null,
    offPlan: false,
    years: null,
    tenants: 0,
    landholderTaxRatio: null,
    tenantTaxRatio: null,
    statedAreaFactor: 1,
    ownerIndex: null,
    built: false,
  }
}

export function stageOf(t: Timeline): Stage {
  if (!t.supplied) return 'approved'
  if (t.terminatedOn !== null) return 'recovered'
  if (t.productionAcceptedOn !== null) return 'producing'
  if (t.completionOn !== null) return 'completed'
  if (t.startOn !== null) return 'under_construction'
  return 'supplied'
}

/** Not started more than a year after the agreed start, by the city default (for picking the
 * targets of generic change polygons and ledger entries; the analyses decide for real). */
export function looksIdle(t: Timeline): boolean {
  if (!t.supplied || t.terminatedOn !== null) return false
  if (t.startOn === null) return REF - t.agreedStartOn > 365 && t.govDelayOn === null
  return t.haltOn !== null && t.resumeOn === null && REF - t.haltOn >= 365 && (t.developedShare < 1 / 3 || t.investedShare < 0.25)
}

/** A generic parcel's life, supplied some time after its batch was approved. */
export function randomTimeline(rng: Rng, approvedOn: number): Timeline {
  const t = baseTimeline()
  t.statedAreaFactor = rng.chance(0.025)
    ? 1 + (rng.chance(0.5) ? 1 : -1) * rng.float(0.015, 0.06)
    : 1 + Math.max(-0.004, Math.min(0.004, rng.normal(0, 0.0015)))
  if (rng.chance(0.09)) {
    t.supplied = false
    if (rng.chance(0.08)) t.unsuppliedStartOn = rng.int(Math.max(approvedOn + 60, day('2016-01-01')), REF - 10)
    return t
  }
  const earliest = approvedOn + 90
  const latest = Math.max(earliest, Math.min(REF - 20, approvedOn + 2900))
  t.signedOn = earliest + Math.floor(rng.next() ** 1.3 * (latest - earliest))
  t.method = rng.chance(0.05) ? 'allocation' : 'grant'
  t.landUse = rng.chance(0.07) ? '仓储用地' : '工业用地'
  if (t.method === 'grant' && t.signedOn >= STANDARD_LAND_FROM && rng.chance(0.3)) {
    t.standard = true
    t.majorProject = rng.chance(0.08)
    t.termYears = t.majorProject ? rng.int(30, 50) : rng.int(10, 20)
  }
  t.agreedStartOn = t.signedOn + rng.int(60, 180)
  t.agreedCompletionOn = t.agreedStartOn + rng.int(540, 1095)
  t.offPlan = rng.chance(0.08)
  t.failIndicator = rng.chance(0.05) ? rng.pick(SEVEN) : null

  const starts = t.agreedStartOn <= REF ? rng.chance(0.955) : rng.chance(0.2)
  const start = Math.min(REF - 1, Math.max(t.signedOn + 15, t.agreedStartOn + rng.int(-30, 150)))
  if (starts && start > t.signedOn) {
    t.startOn = start
    const duration = rng.int(420, 1000)
    t.developedShare = rng.float(0.3, 0.7)
    t.investedShare = rng.float(0.3, 0.7)
    let delay = 0
    if (rng.chance(0.08)) {
      const halt = start + rng.int(90, Math.max(91, duration - 60))
      if (halt < REF) {
        t.haltOn = halt
        t.developedShare = rng.float(0.1, 0.8)
        t.investedShare = rng.float(0.1, 0.8)
        const resume = halt + rng.int(60, 420)
        if (rng.chance(0.45) && resume < REF) {
          t.resumeOn = resume
          delay = resume - halt
        }
      }
    }
    const progress = start + Math.floor(duration * 0.45)
    if (progress < REF && (t.haltOn === null || progress < t.haltOn)) t.progressOn = progress
    const done = start + duration + delay
    if ((t.haltOn === null || t.resumeOn !== null) && done < REF) {
      t.completionOn = done
      const accepted = done + rng.int(30, 150)
      if (rng.chance(0.92) && accepted < REF) {
        t.completionAcceptedOn = accepted
        const producing = accepted + rng.int(90, 400)
        if (rng.chance(0.93) && producing < REF) {
          t.productionAcceptedOn = producing
          if (rng.chance(0.07)) t.tenants = rng.int(1, 3)
        }
      }
    }
  } else if (REF - t.agreedStartOn > 900 && rng.chance(0.15)) {
    // Idle two years and more, recovered (收回) some time after its second anniversary.
    t.terminatedOn = t.agreedStartOn + rng.int(760, REF - t.agreedStartOn - 1)
  }
  return t
}

const SEVEN: Indicator[] = [
  'plot_ratio', 'building_density', 'investment_intensity', 'output_intensity',
  'building_coefficient', 'green_ratio', 'admin_share',
]

interface IndicatorDef {
  unit: string
  direction: 'min' | 'max'
  /** Decimals kept for measured values. */
  decimals: number
}

const INDICATORS: Record<Indicator, IndicatorDef> = {
  plot_ratio: { unit: 'ratio', direction: 'min', decimals: 2 },
  building_density: { unit: 'ratio', direction: 'min', decimals: 2 },
  investment_intensity: { unit: '万元/亩', direction: 'min', decimals: 1 },
  output_intensity: { unit: '万元/亩', direction: 'min', decimals: 1 },
  building_coefficient: { unit: 'ratio', direction: 'min', decimals: 2 },
  green_ratio: { unit: 'ratio', direction: 'max', decimals: 2 },
  admin_share: { unit: 'ratio', direction: 'max', decimals: 3 },
  tax_per_mu: { unit: '万元/亩', direction: 'min', decimals: 2 },
}

/** The "3" of standard land's 3+N+1 (§二(四)10). */
const CORE: Indicator[] = ['investment_intensity', 'tax_per_mu', 'plot_ratio']

/** Contract values when a built case does not choose them. */
const CASE_INDICATORS: Record<Indicator, number> = {
  plot_ratio: 1.2,
  building_density: 0.4,
  investment_intensity: 220,
  output_intensity: 300,
  building_coefficient: 0.4,
  green_ratio: 0.2,
  admin_share: 0.07,
  tax_per_mu: 0,
}

export interface ClusterContext {
  code: string | null
  countyCode: string
  /** Prefix of enterprise names: 洛阳 or the county. */
  place: string
  target: number
  taxFactor: number
  leading: readonly string[]
}

export interface MaterialiseInput {
  seed: number
  index: number
  code: string
  areaM2: number
  cluster: ClusterContext
  timeline: Timeline
  rng: Rng
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d
const round2 = (v: number) => round(v, 2)

/** The land user of the parcel with this index (re-derivable from the index alone, so a later
 * parcel can share it without the stream remembering it). */
export function landUser(seed: number, ownerIndex: number, cluster: ClusterContext, t: Timeline): EnterpriseRow {
  const rng = new Rng(seed, 'enterprise', ownerIndex * 4)
  const industry = t.industry ?? (t.offPlan ? rng.pick(OFF_PLAN_INDUSTRIES.filter((x) => !cluster.leading.includes(x))) : rng.pick(cluster.leading))
  return enterprise(seed, ownerIndex * 4, cluster, industry, rng)
}

function enterprise(seed: number, serial: number, cluster: ClusterContext, industry: string, rng: Rng): EnterpriseRow {
  const aboveScale = rng.chance(0.55)
  return {
    credit_code: makeCreditCode(cluster.countyCode, serial, hash32(seed, 'credit')),
    name: enterpriseName(rng, rng.chance(0.7) ? '洛阳' : cluster.place, industry),
    county_code: cluster.countyCode,
    industry,
    above_scale: aboveScale,
    intelligent_retrofit: aboveScale && rng.chance(0.62),
    legal_person: personName(rng),
    contact_phone: placeholderPhone(rng),
  }
}

function tenant(seed: number, index: number, k: number, cluster: ClusterContext): EnterpriseRow {
  const rng = new Rng(seed, 'enterprise', index * 4 + k)
  return enterprise(seed, index * 4 + k, cluster, rng.pick(cluster.leading), rng)
}

function ratingOf(ratio: number): Rating {
  return ratio >= 1.2 ? 'A' : ratio >= 0.45 ? 'B' : ratio >= 0.2 ? 'C' : 'D'
}

/** Everything hanging off one parcel. */
export function materialise(input: MaterialiseInput, parcel: ParcelBundle['parcel']): ParcelBundle {
  const { seed, index, cluster, timeline: t, rng } = input
  const mu = input.areaM2 / M2_PER_MU
  const bundle: ParcelBundle = { parcel, enterprises: [], landUserName: null, contract: null, indicators: [], events: [], leases: [], years: [] }
  const event = (kind: DevelopmentEventRow['kind'], on: number, extra: Partial<DevelopmentEventRow> = {}) => {
    bundle.events.push({
      parcel_code: input.code,
      county_code: cluster.countyCode,
      kind,
      occurred_on: iso(on),
      developed_area_m2: null,
      invested_wan: null,
      measured: null,
      government_caused: false,
      note: null,
      recorded_by: 'system:demo',
      ...extra,
    })
  }
  if (!t.supplied) {
    if (t.unsuppliedStartOn !== null) event('start', t.unsuppliedStartOn, { note: '巡查发现已动工，未见供地手续' })
    return bundle
  }

  // Land user (权利人): its own, or shared with an earlier parcel.
  const owner = landUser(seed, t.ownerIndex ?? index, cluster, t)
  if (t.ownerIndex === null) bundle.enterprises.push(owner)
  bundle.landUserName = owner.name

  // Contract indicators: the 7 of annex 3 art. 2(3) on every grant, plus tax per mu on standard land.
  const values: Partial<Record<Indicator, number>> = {}
  if (t.method === 'grant') {
    const drawn: Record<Indicator, number> = t.built
      ? { ...CASE_INDICATORS, tax_per_mu: cluster.target }
      : {
          plot_ratio: rng.pick([1.0, 1.2, 1.5]),
          building_density: rng.pick([0.35, 0.4]),
          investment_intensity: rng.pick(t.standard ? [250, 280, 300] : [180, 200, 220, 250]),
          output_intensity: rng.pick([250, 300, 400, 500]),
          building_coefficient: rng.pick([0.3, 0.4]),
          green_ratio: rng.weighted([0.15, 0.2], [0.3, 0.7]),
          admin_share: 0.07,
          tax_per_mu: cluster.target,
        }
    for (const k of [...SEVEN, ...(t.standard ? (['tax_per_mu'] as const) : [])]) values[k] = t.indicators[k] ?? drawn[k]
  }

  const contractNo = `${cluster.countyCode}${yearOf(t.signedOn)}${t.method === 'grant' ? 'B' : 'H'}${String(index + 1).padStart(7, '0')}`
  const investmentIntensity = values.investment_intensity ?? rng.pick([150, 200])
  let totalInvestment = round2(mu * investmentIntensity * (t.built ? 1.1 : rng.float(1.0, 1.25)))
  let planned = Math.round(input.areaM2 * (values.plot_ratio ?? 1.0) * (t.built ? 1.05 : rng.float(1.0, 1.15)))
  if (t.exactShares) {
    totalInvestment = 4 * Math.round(totalInvestment / 4)
    planned = 3 * Math.round(planned / 3)
  }
  const unitPrice = 8 + (yearOf(t.signedOn) - 2012) * 0.6
  bundle.contract = {
    contract_no: contractNo,
    parcel_code: input.code,
    county_code: cluster.countyCode,
    supply_method: t.method,
    land_user_code: owner.credit_code,
    land_use: t.landUse,
    signed_on: iso(t.signedOn),
    price_wan: t.method === 'grant' ? round2(mu * unitPrice * (t.built ? 1 : rng.float(0.9, 1.2))) : 0,
    agreed_start_on: iso(t.agreedStartOn),
    agreed_completion_on: iso(t.agreedCompletionOn),
    total_investment_wan: totalInvestment,
    planned_floor_area_m2: planned,
    is_standard_land: t.standard,
    term_years: t.termYears,
    major_project: t.majorProject,
    terminated_on: t.terminatedOn === null ? null : iso(t.terminatedOn),
  }
  for (const [k, v] of Object.entries(values) as [Indicator, number][]) {
    const def = INDICATORS[k]
    bundle.indicators.push({
      contract_no: contractNo,
      indicator: k,
      unit: def.unit,
      direction: def.direction,
      value: v,
      is_core: t.standard && CORE.includes(k),
    })
  }

  // Development events; developed area and investment are cumulative as of each event.
  const developed = (share: number) => round2(planned * share)
  const invested = (share: number) => round2(totalInvestment * share)
  if (t.govDelayOn !== null) {
    event('inspection', t.govDelayOn, { government_caused: true, note: '因规划调整（政府原因）暂缓动工，经核实不计入闲置期' })
  }
  if (t.startOn !== null) {
    event('start', t.startOn, { developed_area_m2: 0, invested_wan: 0 })
    const atProgress = t.haltOn === null ? 1 : 0.6
    if (t.progressOn !== null) {
      event('progress', t.progressOn, { developed_area_m2: developed(t.developedShare * atProgress), invested_wan: invested(t.investedShare * atProgress) })
    }
    if (t.haltOn !== null) {
      event('halt', t.haltOn, {
        developed_area_m2: developed(t.developedShare),
        invested_wan: invested(t.investedShare),
        government_caused: t.haltGovCaused,
        note: t.haltGovCaused ? '因征地拆迁未完成（政府原因）停工' : '企业资金困难停工',
      })
    }
    if (t.resumeOn !== null) {
      event('resume', t.resumeOn, { developed_area_m2: developed(t.developedShare), invested_wan: invested(t.investedShare) })
    }
  }
  if (t.completionOn !== null) {
    event('completion', t.completionOn, { developed_area_m2: planned, invested_wan: round2(totalInvestment * (t.built ? 1 : rng.float(0.95, 1.1))) })
  }
  if (t.completionAcceptedOn !== null) event('completion_acceptance', t.completionAcceptedOn)
  if (t.productionAcceptedOn !== null && Object.keys(values).length > 0) {
    const measured: Partial<Record<Indicator, number>> = {}
    for (const [k, v] of Object.entries(values) as [Indicator, number][]) {
      const def = INDICATORS[k]
      const fails = t.failIndicator === k
      const factor = def.direction === 'min' ? (fails ? rng.float(0.7, 0.9) : rng.float(1.02, 1.3)) : fails ? rng.float(1.1, 1.4) : rng.float(0.55, 0.95)
      measured[k] = t.measured[k] ?? round(v * factor, def.decimals)
    }
    event('production_acceptance', t.productionAcceptedOn, { measured })
  } else if (t.productionAcceptedOn !== null) {
    event('production_acceptance', t.productionAcceptedOn)
  }

  // Leases and yearly figures, from the year the land is in use.
  const operatingFrom = t.productionAcceptedOn ?? t.completionOn
  if (operatingFrom === null || t.terminatedOn !== null || t.ownerIndex !== null) return bundle
  const firstYear = yearOf(operatingFrom) + (monthOf(operatingFrom) > 6 ? 1 : 0)
  const tenants: EnterpriseRow[] = []
  for (let k = 1; k <= t.tenants; k++) tenants.push(tenant(seed, index, k, cluster))
  const leaseStart = Math.max(operatingFrom + 30, day('2021-01-01'))
  for (const te of tenants) {
    bundle.enterprises.push(te)
    bundle.leases.push({
      parcel_code: input.code,
      county_code: cluster.countyCode,
      landholder_code: owner.credit_code,
      tenant_code: te.credit_code,
      starts_on: iso(leaseStart),
      ends_on: t.built || rng.chance(0.5) ? null : iso(leaseStart + 365 * rng.int(3, 8)),
    })
  }
  const level = Math.exp(rng.normal(0, 0.35) - 0.35 ** 2 / 2)
  const margin = t.built ? 0.08 : rng.normal(0.06, 0.03)
  const energyIntensity = rng.float(0.2, 1.0)
  const energyDecline = rng.float(-0.03, 0.1)
  const holderShare = tenants.length ? rng.float(0.2, 0.6) : 1
  const builtRatios = t.landholderTaxRatio !== null
  FIGURE_YEARS.forEach((year, y) => {
    const plan = t.years?.[y] ?? null
    if (!plan && !t.built && year < firstYear) return
    // Gross tax of the whole land (refunds added back, annex 3 art. 14), 万元 per mu.
    const landRatio = builtRatios
      ? t.landholderTaxRatio! + tenants.length * (t.tenantTaxRatio ?? 0)
      : plan
        ? plan.taxRatio
        : t.built
          ? 1
          : cluster.taxFactor * level * Math.exp(rng.normal(0, 0.12)) * 1.04 ** y
    const rating = plan?.rating ?? ratingOf(landRatio)
    const shares = builtRatios
      ? [t.landholderTaxRatio! / landRatio, ...tenants.map(() => t.tenantTaxRatio! / landRatio)]
      : [holderShare, ...tenants.map(() => (1 - holderShare) / tenants.length)]
    ;[owner, ...tenants].forEach((e, k) => {
      const gross = landRatio * cluster.target * mu * shares[k]!
      const refund = round2(gross * (t.built ? 0 : rng.float(0, 0.08)))
      const output = gross * (t.built ? 10 : rng.float(8, 14))
      const valueAdded = output * (t.built ? 0.25 : rng.float(0.2, 0.3))
      const profit = k === 0 && plan?.profit !== undefined ? plan.profit : output * Math.max(t.built ? 0.03 : -1, margin + (t.built ? 0 : rng.normal(0, 0.02)))
      bundle.years.push({
        credit_code: e.credit_code,
        year,
        tax_paid_wan: round2(gross - refund),
        tax_refund_wan: refund,
        output_wan: round2(output),
        value_added_wan: round2(valueAdded),
        energy_tce: round2(valueAdded * energyIntensity * (1 - energyDecline) ** y),
        employment: Math.max(1, Math.round(mu * shares[k]! * (t.built ? 1.5 : rng.float(0.8, 2.5)))),
        profit_wan: round2(profit),
        rating,
      })
    })
  })
  return bundle
}
