/** How the bureau reads times, people, indicators, rules and reasons: dates in 北京时间 written
 * `2026-12-07 13:10`, people by display name, the system's own writes named for what they were,
 * contract indicators as `容积率 ≥ 1.2`, a rule as its name and the date it took effect, an alert's
 * reason as a sentence. Pure functions shared by the web map, the exports and the reports. */
import { ALERT_TYPE, CHANGE_TYPE, INDICATOR, RULE, label } from './codes'

/** China Standard Time, UTC+8 all year (no daylight saving since 1991). */
const CST_MS = 8 * 3600_000

const pad = (n: number) => String(n).padStart(2, '0')

function cst(v: unknown): Date | null {
  if (v === null || v === undefined || v === '') return null
  const d = v instanceof Date ? v : new Date(String(v))
  return Number.isNaN(d.getTime()) ? null : new Date(d.getTime() + CST_MS)
}

/** A moment as read in Beijing: `2026-12-07 13:10`; '—' for none. A bare date stays as it is. */
export function beijingTime(v: unknown): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v
  const d = cst(v)
  if (!d) return '—'
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** The calendar day in Beijing of a moment (a date stays as it is). */
export function beijingDate(v: unknown): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !v.includes('T')) return v.slice(0, 10)
  const d = cst(v)
  if (!d) return '—'
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

/** Today in Beijing (DOMAIN.md: the city's day, whatever the machine's time zone). */
export const beijingToday = (now = new Date()) => beijingDate(now)

/** The system's own writers (`system:<what>`, server/db/actor.ts and the jobs that set onemap.actor). */
const SYSTEM_ACTORS: Record<string, string> = {
  demo: '系统（演示数据）', 'alert-scan': '系统（巡查预警扫描）', refresh: '系统（分析刷新）', import: '系统（数据导入）',
  backup: '系统（备份）', migration: '系统（数据库升级）',
}

/** Who did something, as a person reads it: the display name of a user (given by the server beside
 * the actor), the system's writes named for what they were; never a raw `user:` or `system:` id. */
export function actorLabel(actor: string | null | undefined, displayName?: string | null): string {
  if (displayName) return displayName
  if (!actor) return '系统'
  const [kind, rest = ''] = actor.split(/:(.*)/s)
  if (kind === 'user') return rest
  if (kind === 'system') return SYSTEM_ACTORS[rest] ?? '系统'
  return actor
}

const fmt = (n: number, digits: number) =>
  new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: digits }).format(n)

/** A contract indicator as the contract writes it: `容积率 ≥ 1.2`, `绿地率 ≤ 20%`, `投资强度 ≥ 300 万元/亩`. */
export function indicatorText(i: { indicator: unknown; direction?: unknown; value: unknown; unit?: unknown }): string {
  const name = (INDICATOR as Record<string, string>)[String(i.indicator)] ?? String(i.indicator)
  const op = i.direction === 'max' ? '≤' : '≥'
  const v = Number(i.value)
  if (!Number.isFinite(v)) return `${name} ${op} ${String(i.value ?? '—')}`
  // plot ratio is a ratio (1.2); the other 'ratio' indicators are shares of the area (annex 2)
  if (i.unit === 'ratio' && i.indicator !== 'plot_ratio') return `${name} ${op} ${fmt(v * 100, 1)}%`
  if (i.unit === 'ratio' || !i.unit) return `${name} ${op} ${fmt(v, 2)}`
  return `${name} ${op} ${fmt(v, 2)} ${label('unit', i.unit)}`
}

/** A county rule as a report cites it: its name, whose, and since when (1900-01-01: the defaults). */
export function ruleText(r: { key: string; county_code?: string | null; effective_from?: string | null }, countyName?: (code: string) => string): string {
  const name = (RULE as Record<string, string>)[r.key] ?? r.key
  const whose = r.county_code ? (countyName?.(r.county_code) ?? r.county_code) : '全市'
  const since = !r.effective_from || r.effective_from <= '1900-01-01' ? '默认值' : `${r.effective_from} 起`
  return `${name}（${whose}，${since}）`
}

/** The Chinese half of a bilingual server message ("中文 / English"). */
export const chinese = (s: unknown) => String(s ?? '').split(' / ')[0]!

const pct = (v: unknown) => (v === null || v === undefined ? '—' : `${fmt(Number(v) * 100, 1)}%`)
const m2 = (v: unknown) => (v === null || v === undefined ? '—' : `${fmt(Number(v), 1)} m²`)

/** Thresholds as analysis.rule_cite gives them ({key, value, …}). */
type Cite = { key?: string; value?: unknown }

/** Why an alert fired, as a sentence an inspector reads (from the facts analysis.alert_reason
 * records; the rules' own English `test` string is for the developers' logs, never shown). */
export function alertReasonText(type: string, reason: { measured?: Record<string, unknown> | null; thresholds?: Cite[] | null } | null): string {
  const m = reason?.measured ?? {}
  const th = Object.fromEntries((reason?.thresholds ?? []).filter((t) => t?.key).map((t) => [t.key!, t.value]))
  const parts: string[] = []
  if (type === 'no_change_after_start_date') {
    parts.push(`约定动工日期 ${String(m.agreed_start_on ?? '—')} 已过 ${fmt(Number(m.days_past_agreed_start ?? 0), 0)} 天，无动工记录，签约后遥感未见开发变化`)
    if (th.alert_no_change_grace_days !== undefined) parts.push(`宽限 ${String(th.alert_no_change_grace_days)} 天`)
    return parts.join('；')
  }
  const where = type === 'change_outside_cluster' ? '在集聚区外'
    : type === 'construction_on_unsupplied' && m.contract_in_force_at_image_after === undefined ? '落在无宗地的土地上' : '与宗地重叠'
  parts.push(`变化图斑 ${m2(m.change_m2)}，${where} ${m2(m.overlap_m2)}（占 ${pct(m.overlap_share)}）`)
  if (th.alert_overlap_share !== undefined || th.alert_overlap_m2 !== undefined) {
    parts.push(`达到预警线：占比 ≥ ${pct(th.alert_overlap_share)} 或面积 ≥ ${fmt(Number(th.alert_overlap_m2 ?? 0), 0)} m²`)
  }
  if (type === 'construction_on_unsupplied') {
    parts.push(m.contract_in_force_at_image_after === false ? '后时相日期该宗地没有有效的供地合同' : m.approved ? '该土地已批准建设但尚未供地' : '该土地未经批准建设')
  } else if (type === 'construction_on_idle') {
    if (m.started === false) parts.push(`约定动工日期 ${String(m.agreed_start_on ?? '—')} 后 ${fmt(Number(m.days_since_agreed_start ?? 0), 0)} 天无动工记录`)
    if (m.halted) parts.push(`自 ${String(m.halted_since ?? '—')} 停工 ${fmt(Number(m.halted_days ?? 0), 0)} 天，未见复工记录`)
  } else if (type === 'demolition_on_producing') {
    parts.push(`宗地已投产${m.completed_on ? `（${String(m.completed_on)} 竣工）` : ''}，出现拆除`)
  }
  return parts.join('；')
}

/** The words of an alert type and the change type, for lists that name both. */
export const alertTitle = (type: string) => (ALERT_TYPE as Record<string, string>)[type] ?? type
export const changeTypeText = (t: string) => (CHANGE_TYPE as Record<string, string>)[t] ?? t
