/** Governance reports (§四(三) 季度通报、半年评比、年度考评; §二(三)9 增存挂钩): generate one (it is
 * stored as first produced, with its inputs, the rule versions and the data version), read it back
 * as JSON, CSV or XLSX, list the parcels behind a figure, and regenerate it to compare. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../../config'
import type { Writer } from '../../db/actor'
import { ReportInputError, type ReportKind, type StoredReport } from '../../db/repos/governance'
import { HttpError, notFound } from '../../errors'
import { FileAnswer, MEDIA } from '../../schemas/common'
import { jsonDiff, ruleVersionChanges } from '../../governance/diff'
import { LINKED_FIGURES, at, reportTables } from '../../governance/tables'
import { reportCsv, reportWorkbook } from '../../governance/xlsx'
import { REPORT_KIND } from '../../labels/codes'

/** The city's and the counties' officials who run the supervision rhythm. */
export const REPORT_ROLES: readonly Role[] = ['admin', 'analyst']

export const GOVERNANCE_MESSAGES = {
  periodKind: (kind: string, period: string) =>
    `期间 ${period} 不适用于${KIND_NAMES[kind]} / period ${period} does not suit a ${kind} report (${PERIOD_HINT[kind]})`,
  notStarted: (period: string, start: string) => `期间 ${period} 尚未开始（${start} 起）/ period ${period} has not started (it starts ${start})`,
  asOfOutside: (asOf: string, start: string, end: string, today: string) =>
    `基准日 ${asOf} 须在 ${start} 至 ${end} 之间且不晚于今天 ${today} / asOf ${asOf} must lie between ${start} and ${end} and not after today (${today})`,
  cityOnly: (kind: string) => `${KIND_NAMES[kind]}面向全市，仅市级用户可生成 / a ${kind} report covers the whole city: only a user without a county scope may generate it`,
  countyOutside: (county: string) => `无权查看区县 ${county} / county ${county} is outside your scope`,
  badFigure: (figure: string) => `报告中没有指标 ${figure} / no linked figure ${figure} in this report (see LINKED_FIGURES)`,
  badUnit: (unit: string) => `报告中没有单位 ${unit} / no unit ${unit} in this report (county:<code>, cluster:<code> or city)`,
  invalid: (message: string) => `报告参数有误 / ${message}`,
} as const

/** The kinds a user may generate, labelled as everywhere else (labels/codes.ts REPORT_KIND). */
const KINDS = ['quarterly', 'ranking', 'evaluation', 'quota'] as const satisfies readonly (keyof typeof REPORT_KIND)[]
const KIND_NAMES: Record<string, string> = REPORT_KIND
const PERIOD_HINT: Record<string, string> = { quarterly: 'YYYYQ1–Q4', ranking: 'YYYYH1 or YYYYH2', evaluation: 'YYYY', quota: 'YYYY' }
const PERIOD_PATTERN: Record<string, RegExp> = { quarterly: /^\d{4}Q[1-4]$/, ranking: /^\d{4}H[12]$/, evaluation: /^\d{4}$/, quota: /^\d{4}$/ }

const Kind = Type.Union(KINDS.map((k) => Type.Literal(k)))
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) })

const GenerateBody = Type.Object({
  kind: Kind,
  period: Type.String({ pattern: '^\\d{4}([QH][1-4])?$', maxLength: 6, description: '2024Q2 (quarterly), 2024H1 (ranking), 2024 (evaluation; quota: the disposal year)' }),
  asOf: Type.Optional(Type.String({ format: 'date', description: '基准日 (default: the period\'s last day, or today while it runs)' })),
  county: Type.Optional(Type.String({ maxLength: 6, pattern: '^4103\\d\\d$', description: 'quarterly: one county (default: your scope)' })),
  permuYear: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: '亩均税收年度 (default: the year before the period)' })),
}, { additionalProperties: false })

const XLSX = MEDIA.xlsx
const attachment = (name: string, ascii: string) => `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`

const routes: FastifyPluginAsyncTypebox = async (app) => {
  /** The report as this reader may see it: tax per mu withheld from roles outside sensitiveRoles
   * (redact_sensitive(), the one redaction). */
  async function readable(request: FastifyRequest, id: number): Promise<StoredReport> {
    const r = await request.db.governance.get(id, request.viewer)
    if (!r) throw notFound('报告 report', String(id))
    return r
  }

  app.post('/', {
    config: { access: REPORT_ROLES },
    schema: { tags: ['reports'], summary: '生成并保存报告 / generate a report (quarterly, ranking, evaluation, quota) and store it as first produced', body: GenerateBody },
  }, async (request, reply) => {
    const b = request.body
    if (!PERIOD_PATTERN[b.kind]!.test(b.period)) throw new HttpError(400, 'invalid_request', GOVERNANCE_MESSAGES.periodKind(b.kind, b.period), { field: 'period' })
    const p = await app.db.governance.period(b.period)
    if (p.starts_on > p.today) throw new HttpError(400, 'invalid_request', GOVERNANCE_MESSAGES.notStarted(b.period, p.starts_on), { field: 'period' })
    const asOf = b.asOf ?? (p.ends_on < p.today ? p.ends_on : p.today)
    if (asOf < p.starts_on || asOf > p.ends_on || asOf > p.today) {
      throw new HttpError(400, 'invalid_request', GOVERNANCE_MESSAGES.asOfOutside(asOf, p.starts_on, p.ends_on, p.today), { field: 'asOf' })
    }
    const viewer = request.viewer.scope
    let scope: string[] | null = null
    if (b.kind === 'quarterly') {
      if (b.county !== undefined && viewer !== null && !viewer.includes(b.county)) {
        throw new HttpError(403, 'forbidden', GOVERNANCE_MESSAGES.countyOutside(b.county))
      }
      scope = b.county !== undefined ? [b.county] : viewer
    } else if (viewer !== null) {
      throw new HttpError(403, 'forbidden', GOVERNANCE_MESSAGES.cityOnly(b.kind))
    }
    const report = await generate(app, { kind: b.kind as ReportKind, period: b.period, asOf, scope, params: b.permuYear ? { permu_year: b.permuYear } : {} },
      request.viewer)
    reply.status(201).header('location', `/api/reports/${report.id}`)
    return { ...report, result: await app.db.governance.redacted(report.result, request.viewer.sensitive) }
  })

  app.get('/', {
    config: { access: REPORT_ROLES, reads: 'replica' },
    schema: {
      tags: ['reports'], summary: '已生成的报告 / stored reports you may read, newest first (without results)',
      querystring: Type.Object({
        kind: Type.Optional(Type.Union([Kind, Type.Literal('disclosure')])),
        period: Type.Optional(Type.String({ maxLength: 10 })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }, { additionalProperties: false }),
    },
  }, async (request) => {
    const q = request.query
    return { reports: await request.db.governance.list({ kind: (q.kind as ReportKind) ?? null, period: q.period ?? null, limit: q.limit }, request.viewer.scope) }
  })

  app.get('/:id', {
    config: { access: REPORT_ROLES, reads: 'replica' },
    schema: { tags: ['reports'], summary: '报告（首次生成时的结果）/ a stored report as first produced, with its inputs, rule versions and data version', params: Id },
  }, async (request) => readable(request, request.params.id))

  // the audit trail's record of an export: which report, how many rows, whether tax per mu was in it
  const exported = (request: FastifyRequest, r: StoredReport, ext: string) => {
    request.auditDetail = { report: r.id, kind: r.kind, format: ext, rows: reportTables(r).main.rows.length, sensitive_fields: request.viewer.sensitive ? ['tax_per_mu'] : [] }
  }
  const exportName = (r: StoredReport, ext: string) => attachment(`${reportTables(r).title}-${r.id}.${ext}`, `report-${r.id}.${ext}`)

  app.get('/:id/export.json', {
    config: { access: REPORT_ROLES, reads: 'replica', audit: 'export' },
    schema: { tags: ['reports'], summary: '报告 JSON 下载 / the stored report as a JSON file', params: Id, response: { 200: FileAnswer(['application/json'], 'the report, as GET /api/reports/{id}, to save') } },
  }, async (request, reply) => {
    const r = await readable(request, request.params.id)
    exported(request, r, 'json')
    return reply.type('application/json; charset=utf-8').header('content-disposition', exportName(r, 'json')).send(JSON.stringify(r, null, 2))
  })

  app.get('/:id/export.csv', {
    config: { access: REPORT_ROLES, reads: 'replica', audit: 'export' },
    schema: { tags: ['reports'], summary: '报告 CSV（主表，UTF-8 带 BOM）/ the main table as CSV (RFC 4180, UTF-8 with BOM)', params: Id, response: { 200: FileAnswer([MEDIA.csv], 'RFC 4180, UTF-8 with BOM') } },
  }, async (request, reply) => {
    const r = await readable(request, request.params.id)
    exported(request, r, 'csv')
    return reply.type('text/csv; charset=utf-8').header('content-disposition', exportName(r, 'csv')).send(reportCsv(reportTables(r)))
  })

  app.get('/:id/export.xlsx', {
    config: { access: REPORT_ROLES, reads: 'replica', audit: 'export' },
    schema: { tags: ['reports'], summary: '报告 XLSX（说明与全部表格）/ every table as XLSX, 说明 (inputs, rules, data version) first', params: Id, response: { 200: FileAnswer([MEDIA.xlsx], 'the workbook') } },
  }, async (request, reply) => {
    const r = await readable(request, request.params.id)
    exported(request, r, 'xlsx')
    return reply.type(XLSX).header('content-disposition', exportName(r, 'xlsx')).send(await reportWorkbook(reportTables(r)))
  })

  app.get('/:id/parcels', {
    config: { access: REPORT_ROLES, reads: 'replica' },
    schema: {
      tags: ['reports'], summary: '指标背后的宗地 / the parcels behind a figure of a quarterly report (GeoJSON)',
      params: Id,
      querystring: Type.Object({
        unit: Type.String({ pattern: '^(county:4103\\d\\d|cluster:[a-z0-9-]+|city)$', maxLength: 72, description: 'county:<code>, cluster:<code> or city' }),
        figure: Type.String({ maxLength: 64, description: 'e.g. idle.disposed_ytd.codes, unsupplied.codes_period (see LINKED_FIGURES)' }),
      }, { additionalProperties: false }),
    },
  }, async (request) => {
    const r = await readable(request, request.params.id)
    const { unit, figure } = request.query
    if (!LINKED_FIGURES.some((f) => f.path === figure) || figure === 'unsupplied.batch_refs') {
      throw new HttpError(400, 'invalid_request', GOVERNANCE_MESSAGES.badFigure(figure), { field: 'figure' })
    }
    const [level, code] = unit.split(':')
    const units: { level: string; code: string | null }[] = r.kind === 'quarterly' ? [...r.result.counties, ...r.result.clusters, ...(r.result.city ? [r.result.city] : [])] : []
    const u = units.find((x) => x.level === level && (level === 'city' || x.code === code))
    if (!u) throw new HttpError(404, 'not_found', GOVERNANCE_MESSAGES.badUnit(unit))
    const codes = at(u, figure)
    return request.db.governance.parcels(Array.isArray(codes) ? codes : [], request.viewer.scope)
  })

  app.post('/:id/regenerate', {
    config: { access: REPORT_ROLES },
    schema: {
      tags: ['reports'],
      summary: '以相同输入重算并比较 / recompute a stored report from its inputs and compare with the result as first produced (nothing is stored)',
      params: Id,
    },
  }, async (request) => {
    const stored = await app.db.governance.get(request.params.id, { scope: request.viewer.scope, sensitive: true })
    if (!stored) throw notFound('报告 report', String(request.params.id))
    const now = await app.db.governance.compute({
      kind: stored.kind, period: stored.period, asOf: stored.as_of, scope: stored.scope, params: stored.params,
    })
    const differences = jsonDiff(stored.result, now.result)
    // a reader who may not see tax per mu learns that it differs, not its values
    const shown = request.viewer.sensitive ? differences
      : jsonDiff(await app.db.governance.redacted(stored.result, false), await app.db.governance.redacted(now.result, false))
    const events = await app.db.governance.eventsSince(stored.data_version, stored.scope)
    return {
      id: stored.id, kind: stored.kind, period: stored.period, as_of: stored.as_of,
      same: differences.length === 0,
      differences: shown.slice(0, 200),
      difference_count: differences.length,
      withheld_differences: differences.length - shown.length,
      rule_versions_changed: ruleVersionChanges(stored.rule_versions, now.rule_versions),
      data_version_then: stored.data_version,
      data_version_now: now.data_version,
      events_since: events,
      note: differences.length === 0
        ? '与首次生成结果一致 / identical to the result as first produced'
        : '结果不同：基准日之前日期的数据或规则在首次生成后被修改（见 events_since、rule_versions_changed）/ differs: facts or rules dated on or before as_of were changed after it was first produced',
    }
  })
}

/** Generates and stores a report; a governance function that refuses its inputs is a 400. */
export async function generate(app: FastifyInstance, inputs: Parameters<FastifyInstance['db']['governance']['generate']>[0], actor: Writer): Promise<StoredReport> {
  try {
    return await app.db.governance.generate(inputs, actor)
  } catch (e) {
    if (e instanceof ReportInputError) throw new HttpError(400, 'invalid_request', GOVERNANCE_MESSAGES.invalid(e.message))
    throw e
  }
}

export default routes
