/** Enterprises (企业): search, one enterprise with its land, edit (If-Match), yearly figures (PUT one
 * year; import a bureau's table, validated in full before anything is written). Figures are for
 * app.config.sensitiveRoles only (DOMAIN.md "Governance"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import { HttpError } from '../../errors'
import {
  expectedVersion, IfMatchHeaders, JsonText, landNotFound, listOf, nameUnknownFields, pageOf, setEtag, tokensOf,
} from '../../schemas/common'
import {
  CreditCodeParams, EnterprisePage, EnterprisePatch, EnterpriseSearchQuery, EnterpriseView, EnterpriseYear, Figures, FiguresParams,
  ImportQuery,
} from '../../schemas/enterprise'
import { EDITORS } from '../../common/roles'
import { creditCodeProblem } from '../../common/credit-code'
import { CountyCode } from '../../schemas/common'
import { readFiguresTable, readGrid, sameName, type TableProblem } from './figures-table'

const IfMatch = IfMatchHeaders
const JSON_TYPE = 'application/json'
const TABLE_TYPES = ['text/csv', 'text/tab-separated-values', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/octet-stream']

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)
  // Tables arrive as the file itself (fetch(url, {body: file})); only these routes accept them.
  app.addContentTypeParser(TABLE_TYPES, { parseAs: 'buffer', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body))
  const figureRoles = app.config.sensitiveRoles

  app.get('/', {
    config: { access: ROLES },
    schema: { tags: ['enterprises'], summary: '企业检索 / search enterprises (no figures)', querystring: EnterpriseSearchQuery, response: { 200: JsonText(EnterprisePage) } },
  }, async (request, reply) => {
    const q = request.query
    const page = await app.db.enterprises.search({
      county: listOf(q.county), industry: q.industry ?? null, aboveScale: q.above_scale ?? null, tokens: tokensOf(q.q), page: pageOf(q),
    }, request.viewer)
    return reply.type(JSON_TYPE).send(page)
  })

  app.get('/:credit_code', {
    config: { access: ROLES },
    schema: { tags: ['enterprises'], summary: '企业 / one enterprise with its land (and figures for sensitive roles); ETag = version', params: CreditCodeParams, response: { 200: JsonText(EnterpriseView) } },
  }, async (request, reply) => {
    const viewer = request.viewer
    const found = await app.db.enterprises.view(request.params.credit_code, viewer)
    if (!found) {
      // the old code of a merged record leads to the record it was merged into
      const merged = await app.db.admin.aliasOf(request.params.credit_code)
      if (merged) return reply.redirect(`/api/enterprises/${merged}`, 301)
      throw landNotFound('enterprise', request.params.credit_code)
    }
    // a read of an enterprise's tax and output is in the audit trail (GB/T 22239-2019 8.1.4.3)
    if (viewer.sensitive) await app.audit({ kind: 'figures_read', object: `enterprise:${request.params.credit_code}` }, request)
    setEtag(reply, found.version)
    return reply.type(JSON_TYPE).send(found.json)
  })

  // 统一社会信用代码 checked with its check character (GB 32100-2015) before anything is written.
  app.post('/', {
    config: { access: ['admin'], audit: 'enterprise_created' },
    schema: {
      tags: ['enterprises'], summary: '登记企业 / record a new enterprise (credit code checked with its check character, GB 32100-2015)',
      body: Type.Object({
        credit_code: CreditCodeParams.properties.credit_code, county_code: CountyCode,
        ...EnterprisePatch.properties, name: Type.String({ minLength: 2, maxLength: 200 }),
      }, { additionalProperties: false }),
      response: { 201: JsonText(EnterpriseView) },
    },
  }, async (request, reply) => {
    const b = request.body
    request.auditDetail = { credit_code: b.credit_code, county_code: b.county_code, name: b.name }
    const problem = creditCodeProblem(b.credit_code)
    if (problem) throw new HttpError(400, 'invalid_request', `统一社会信用代码 ${b.credit_code} 无效：${problem}`, { field: 'credit_code' })
    const code = await app.db.admin.createEnterprise(b, request.viewer)
    const found = (await app.db.enterprises.view(code, request.viewer))!
    setEtag(reply, found.version)
    return reply.status(201).header('location', `/api/enterprises/${code}`).type(JSON_TYPE).send(found.json)
  })

  // Two records of one company: the figures, contracts and leases of `from` move here, and its
  // code stays as an alias (一地一档: nothing is overwritten without the old value kept).
  app.post('/:credit_code/merge', {
    config: { access: ['admin'], audit: 'enterprises_merged' },
    schema: {
      tags: ['enterprises'], summary: '合并企业记录 / merge another record of the same company into this one (figures and contracts move; the old code kept as an alias)',
      params: CreditCodeParams,
      body: Type.Object({ from: CreditCodeParams.properties.credit_code, note: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({
        credit_code: Type.String(), merged_from: Type.String(),
        moved: Type.Object({ figures: Type.Integer(), contracts: Type.Integer(), leases: Type.Integer() }, { additionalProperties: false }),
      }, { additionalProperties: false }) },
    },
  }, async (request) => {
    request.auditDetail = { into: request.params.credit_code, from: request.body.from, note: request.body.note }
    const moved = await app.db.admin.mergeEnterprises(request.params.credit_code, request.body.from, request.body.note, request.viewer)
    request.auditDetail = { ...request.auditDetail, moved }
    return { credit_code: request.params.credit_code, merged_from: request.body.from, moved }
  })

  app.patch('/:credit_code', {
    config: { access: EDITORS },
    schema: { tags: ['enterprises'], summary: '修改企业信息 / edit an enterprise (If-Match)', params: CreditCodeParams, headers: IfMatch, body: EnterprisePatch, response: { 200: JsonText(EnterpriseView) } },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const found = await app.db.enterprises.patch(request.params.credit_code, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, found.version)
    return reply.type(JSON_TYPE).send(found.json)
  })

  app.put('/:credit_code/figures/:year', {
    config: { access: figureRoles },
    schema: {
      tags: ['enterprises'],
      summary: '年度数据 / one year\'s tax, output… of an enterprise (If-Match once they exist)',
      params: FiguresParams, headers: IfMatch, body: Figures, response: { 200: JsonText(EnterpriseYear), 201: JsonText(EnterpriseYear) },
    },
  }, async (request, reply) => {
    const raw = request.headers['if-match']
    const expected = raw === undefined ? null : expectedVersion(raw)
    const { note, ...values } = request.body
    const found = await app.db.enterprises.putFigures(request.params.credit_code, request.params.year, request.viewer,
      expected, values, request.viewer, note)
    setEtag(reply, found.version)
    return reply.status(found.created ? 201 : 200).type(JSON_TYPE).send(found.json)
  })

  app.post('/figures/:year/import', {
    config: { access: figureRoles, audit: 'figures_import' },
    schema: {
      tags: ['enterprises'],
      summary: '导入年度数据表 / import a year\'s table from the tax or statistics bureau (CSV or XLSX as the body); all rows or none',
      params: Type.Object({ year: FiguresParams.properties.year }),
      querystring: ImportQuery,
      documentBody: {
        consumes: TABLE_TYPES,
        schema: Type.String({ format: 'binary', description: 'the table: CSV (UTF-8 or GBK) or XLSX, one row per enterprise with its credit code, at most 50 MB' }),
      },
    },
  }, async (request) => {
    const body = request.body
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new HttpError(415, 'unsupported_media_type', `请以 CSV 或 XLSX 文件作为请求体上传（Content-Type: ${TABLE_TYPES.join(', ')}）/ send the CSV or XLSX file as the body`)
    }
    const { year } = request.params
    const dryRun = request.query.dry_run ?? false
    let table
    try {
      table = readFiguresTable(await readGrid(body))
    } catch (e) {
      throw new HttpError(400, 'unreadable_table', `无法读取表格：${(e as Error).message} / the table cannot be read`)
    }
    const problems: TableProblem[] = [...table.problems]
    const warnings: TableProblem[] = []
    const viewer = request.viewer
    const known = await app.db.enterprises.visibleAmong(table.rows.map((r) => r.creditCode), viewer.scope)
    const rows = table.rows.filter((r) => {
      const name = known.get(r.creditCode)
      if (name === undefined) {
        problems.push({ row: r.row, column: table.columns.credit_code ?? null, message: `未找到企业 ${r.creditCode}（或不在您的辖区）/ no such enterprise in your counties` })
        return false
      }
      if (r.name && !sameName(r.name, name)) {
        warnings.push({ row: r.row, column: table.columns.name ?? null, message: `表中名称"${r.name}"与登记名称"${name}"不同 / the name differs from the registered one` })
      }
      return true
    })
    const report = {
      year, dry_run: dryRun, committed: false, columns: table.columns, ignored: table.ignored,
      rows: table.dataRows, valid: rows.length,
      problems, warnings, created: 0, updated: 0,
    }
    if (dryRun) return report
    if (problems.length) {
      throw new HttpError(400, 'invalid_table', `表格有 ${problems.length} 处错误，未导入任何数据 / ${problems.length} problems: nothing was imported`, report)
    }
    const source = request.query.source ?? 'upload'
    const written = await app.db.enterprises.importFigures(year, rows.map((r) => ({ creditCode: r.creditCode, values: r.values })),
      request.viewer, `导入 ${year} 年度数据表 / import: ${source}`)
    return { ...report, committed: true, ...written }
  })
}
export default routes
