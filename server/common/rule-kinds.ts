/** What each county rule means, so that a new version is checked against its meaning before it is
 * stored (DOMAIN.md "Counties set their own thresholds… every threshold is data, per county,
 * versioned, with an effective date"; seed §二(三)7–8). Shared with the web map's rule form.
 * A key not listed here is a structured rule (weights, severities, targets per year…) or one with
 * its own route (disclosure_publish: PUT /api/disclosure/settings): not settable as a plain value. */

export type RuleKind =
  | 'share'      // a share in [0, 1]; a number or an exact fraction "a/b"
  | 'days'       // whole days ≥ 1
  | 'months'     // whole months ≥ 1
  | 'years'      // whole years ≥ 1
  | 'count'      // a whole count ≥ 1
  | 'positive'   // a number > 0 (mu, 万元/亩)
  | 'tolerance'  // a number ≥ 0 (m²)
  | 'date'       // "YYYY-MM-DD"
  | 'text'       // a non-empty text
  | 'patterns'   // a non-empty list of non-empty texts
  | 'change_types' // a non-empty list of remote-sensing change types

export const RULE_KINDS: Readonly<Record<string, RuleKind>> = {
  idle_days: 'days', idle_stage2_days: 'days', halt_days: 'days',
  idle_developed_share: 'share', idle_invested_share: 'share',
  sliver_m2: 'tolerance', area_tolerance: 'tolerance', alert_overlap_m2: 'tolerance',
  no_profit_years: 'years', rating_c_years: 'years',
  green_ratio_max: 'share', admin_share_max: 'share',
  industrial_zone_types: 'patterns', industrial_land_use_like: 'patterns',
  large_project_mu: 'positive', city_target_tax_per_mu: 'positive',
  phased_supply_from: 'date', unsupplied_baseline_date: 'date', stock_cutoff_date: 'date', stock_revitalise_deadline: 'date',
  construction_change_types: 'change_types', alert_activity_change_types: 'change_types',
  unsupplied_yearly_target: 'share', stock_revitalise_target: 'share',
  idle_disposal_yearly_target: 'share', inefficient_disposal_yearly_target: 'share',
  energy_intensity_decline_target: 'share', intelligent_retrofit_target: 'share',
  alert_overlap_share: 'share', change_link_share: 'share',
  alert_due_soon_days: 'days', alert_no_change_grace_days: 'days', ubs_ledger_days: 'days',
  permu_disclosure_min_enterprises: 'count',
  standard_land_completion_check_months: 'months', standard_land_production_check_months: 'months',
  standard_land_rectification_months: 'months', standard_land_termination_months: 'months',
  ubs_ledger_unit: 'text',
}

export const RULE_KIND_LABELS: Readonly<Record<RuleKind, string>> = {
  share: '0 到 1 之间的比例（可写作分数 "1/3"）/ a share between 0 and 1 (or an exact fraction "a/b")',
  days: '不小于 1 的整天数 / whole days, at least 1',
  months: '不小于 1 的整月数 / whole months, at least 1',
  years: '不小于 1 的整年数 / whole years, at least 1',
  count: '不小于 1 的整数 / a whole number, at least 1',
  positive: '大于 0 的数 / a number above 0',
  tolerance: '不小于 0 的数 / a number, at least 0',
  date: '日期 YYYY-MM-DD / a date YYYY-MM-DD',
  text: '非空文字 / a non-empty text',
  patterns: '非空的文字列表 / a non-empty list of texts',
  change_types: '变化类型列表（new_construction、demolition、earth_moving）/ a list of change types',
}

const CHANGE_TYPES = ['new_construction', 'demolition', 'earth_moving']

function isDate(v: unknown): boolean {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false
  const d = new Date(`${v}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && v >= '1900-01-01' && v <= '2100-12-31'
}

function shareOf(v: unknown): number | null {
  if (typeof v === 'number') return v
  if (typeof v !== 'string') return null
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*\/\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(v)
  if (!m || Number(m[2]) === 0) return null
  return Number(m[1]) / Number(m[2])
}

const whole = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100_000

/** Whether `value` fits the meaning of a rule of this kind. */
export function fitsRule(kind: RuleKind, value: unknown): boolean {
  switch (kind) {
    case 'share': { const s = shareOf(value); return s !== null && Number.isFinite(s) && s >= 0 && s <= 1 }
    case 'days': case 'months': case 'years': case 'count': return whole(value)
    case 'positive': return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1e9
    case 'tolerance': return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e9
    case 'date': return isDate(value)
    case 'text': return typeof value === 'string' && value.trim() !== '' && value.length <= 200
    case 'patterns': return Array.isArray(value) && value.length > 0 && value.length <= 50
      && value.every((x) => typeof x === 'string' && x.trim() !== '' && x.length <= 100)
    case 'change_types': return Array.isArray(value) && value.length > 0 && value.every((x) => CHANGE_TYPES.includes(x as string))
      && new Set(value).size === value.length
  }
}
