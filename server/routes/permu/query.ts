/** What the per-mu and standard-land routes share: the year range of a request (year, from, asOf),
 * the county and cluster filters, and who may see aggregates (a setting) and enterprise figures. */
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { ROLES, type Config, type Role } from '../../config'
import { HttpError } from '../../errors'
import type { Access } from '../../plugins/auth'
import { listOf } from '../../schemas/common'
import { todayInBeijing } from '../../db/viewer'

export const PERMU_MESSAGES = {
  badDate: (field: string, value: string) => `日期无效 / ${field} "${value}" is not a calendar date (YYYY-MM-DD)`,
  yearAfterAsOf: (year: number, asOf: string) => `年度 ${year} 晚于基准日 ${asOf} 所在年度 / year ${year} is after the year of asOf ${asOf}`,
  fromAfterYear: (from: number, year: number) => `起始年度 ${from} 晚于年度 ${year} / from ${from} is after year ${year}`,
  tooManyYears: (n: number) => `年度跨度不超过 ${n} 年 / at most ${n} years at once`,
  yearNotEnded: (year: number) => `年度 ${year} 尚未结束，不能发布评价 / year ${year} has not ended: its rating cannot be stored yet`,
  noFigures: (code: string) => `未找到企业 ${code} 的亩均数据 / no per-mu figures of enterprise ${code}`,
} as const

const MAX_YEARS = 20

export const YearFields = {
  year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: '年度 / the year (default: the last whole year before asOf)' })),
  from: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: '趋势起始年度 / first year of the trend (default: year − 4)' })),
  asOf: Type.Optional(Type.String({ format: 'date', description: '基准日 / the date the figures are as of (default: today, Beijing time)' })),
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20, description: '区县代码 / county codes' })),
  cluster: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]+(,[a-z0-9-]+)*$', maxLength: 400 }), { maxItems: 18, description: '产业集聚区代码 / cluster codes' })),
}
export const YearQuery = Type.Object(YearFields, { additionalProperties: false })
export type YearQuery = Static<typeof YearQuery>

export { todayInBeijing }

export function dateOrToday(value: string | undefined, field = 'asOf'): string {
  if (value === undefined) return todayInBeijing()
  const d = new Date(`${value}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new HttpError(400, 'invalid_request', PERMU_MESSAGES.badDate(field, value), { field })
  }
  return value
}

export interface YearRange { asOf: string; year: number; from: number; county: string[] | null; cluster: string[] | null }

/** year defaults to the last whole year before asOf (a year's tax is known once it has ended). */
export function yearRange(q: YearQuery): YearRange {
  const asOf = dateOrToday(q.asOf)
  const asOfYear = Number(asOf.slice(0, 4))
  const year = q.year ?? asOfYear - 1
  if (year > asOfYear) throw new HttpError(400, 'invalid_request', PERMU_MESSAGES.yearAfterAsOf(year, asOf), { field: 'year' })
  const from = q.from ?? Math.max(2000, year - 4)
  if (from > year) throw new HttpError(400, 'invalid_request', PERMU_MESSAGES.fromAfterYear(from, year), { field: 'from' })
  if (year - from + 1 > MAX_YEARS) throw new HttpError(400, 'invalid_request', PERMU_MESSAGES.tooManyYears(MAX_YEARS), { field: 'from' })
  return { asOf, year, from, county: listOf(q.county), cluster: listOf(q.cluster) }
}

/** The counties a request sees. Aggregates served to the public (when the setting allows it) cover
 * the whole city; a signed-in user sees their own counties. */
export function aggregateScope(request: FastifyRequest): string[] | null {
  return request.user ? request.user.county_scope : null
}

/** Who may see aggregated per-mu figures (clusters, counties, the city), the KPIs and the pilot
 * shares: ONEMAP_AGGREGATE_ROLES, a comma-separated list of roles, with "public" for everyone
 * (§四(四) public disclosure never covers an enterprise's own figures, which stay with
 * ONEMAP_SENSITIVE_ROLES, who always see the aggregates too). Default: every signed-in role. */
export function aggregateAccess(config: Config): Access {
  const raw = config.aggregateRoles
  if (raw.length === 0) return ROLES
  if (raw.includes('public')) return 'public'
  return [...new Set([...(raw as Role[]), ...config.sensitiveRoles])]
}
