/** Enterprises and their yearly figures: search by Chinese name, one enterprise with its land,
 * edits, PUT of one year, and the import of a bureau's table (validate, then all rows or none). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, COUNTY_B, creditCode, insertContract, insertEnterprise, insertParcel, seedPlaces } from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let admin: Headers, analystA: Headers, surveyorA: Headers, surveyorB: Headers
const ZHONGXIN = creditCode(401)
const YITUO = creditCode(402)
const LUANCHUAN = creditCode(403)

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await seedPlaces(db)
  admin = await t.loginAs('admin', null)
  analystA = await t.loginAs('analyst', [COUNTY_A])
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  surveyorB = await t.loginAs('surveyor', [COUNTY_B])
  await insertEnterprise(db, ZHONGXIN, '中信重工机械股份有限公司')
  await insertEnterprise(db, YITUO, '中国一拖集团有限公司')
  await insertEnterprise(db, LUANCHUAN, '洛阳栾川钼业集团股份有限公司', COUNTY_B)
  const p = await insertParcel(db, { code: 'EN-A-1' })
  await insertContract(db, { no: 'EN-HT-1', parcelId: p, landUser: ZHONGXIN })
  await db.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan) VALUES ($1, 2022, 100, 2000)`, [ZHONGXIN])
})
afterAll(async () => t.close())

const enc = encodeURIComponent
const SENSITIVE = /tax_paid_wan|output_wan|profit_wan|figures/

describe('enterprises', () => {
  it('searches by Chinese name and credit code within the caller\'s counties, without figures', async () => {
    const names = async (q: string, headers: Headers = admin) =>
      (await t.app.inject({ url: `/api/enterprises?${q}`, headers })).json().items.map((e: { name: string }) => e.name)
    expect(await names('q=' + enc('一拖'))).toEqual(['中国一拖集团有限公司'])
    expect(await names('q=' + enc('中国　一拖'))).toEqual(['中国一拖集团有限公司'])
    expect(await names('q=' + enc('钼业'))).toEqual(['洛阳栾川钼业集团股份有限公司'])
    expect(await names('q=' + ZHONGXIN)).toEqual(['中信重工机械股份有限公司'])
    expect(await names('county=410324')).toEqual(['洛阳栾川钼业集团股份有限公司'])
    expect(await names('q=' + enc('钼业'), surveyorA)).toEqual([])
    const res = await t.app.inject({ url: '/api/enterprises', headers: admin })
    expect(res.json().numberMatched).toBe(3)
    expect(res.body).not.toMatch(SENSITIVE)
  })

  it('shows the land it holds, and its figures to analysts only', async () => {
    const forAnalyst = (await t.app.inject({ url: `/api/enterprises/${ZHONGXIN}`, headers: analystA })).json()
    expect(forAnalyst.land).toEqual([expect.objectContaining({ parcel_code: 'EN-A-1', relation: 'land_user', contract_no: 'EN-HT-1' })])
    expect(forAnalyst.figures).toEqual([expect.objectContaining({ year: 2022, tax_paid_wan: 100, output_wan: 2000 })])
    const forSurveyor = await t.app.inject({ url: `/api/enterprises/${ZHONGXIN}`, headers: surveyorA })
    expect(forSurveyor.statusCode).toBe(200)
    expect(forSurveyor.body).not.toMatch(SENSITIVE)
    // registered in county A and holding no land in B: invisible to B, like a missing one
    expect((await t.app.inject({ url: `/api/enterprises/${ZHONGXIN}`, headers: surveyorB })).statusCode).toBe(404)
  })

  it('edits with If-Match', async () => {
    const url = `/api/enterprises/${YITUO}`
    const ok = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"1"' }, payload: { above_scale: true, industry: '农机装备' } })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json()).toMatchObject({ above_scale: true, industry: '农机装备', version: 2 })
    const stale = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"1"' }, payload: { name: '别名' } })
    expect(stale.statusCode).toBe(409)
    const unknown = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"2"' }, payload: { tax_paid_wan: 1 } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().message).toContain('tax_paid_wan')
  })
})

describe('yearly figures', () => {
  it('PUT one year: created, then replaced only on the current version; sensitive roles only', async () => {
    const url = `/api/enterprises/${YITUO}/figures/2023`
    expect((await t.app.inject({ method: 'PUT', url, headers: surveyorA, payload: { tax_paid_wan: 1 } })).statusCode).toBe(403)
    // If-Match: * on figures not yet recorded: there is no current version to match (RFC 9110 §13.1.1)
    const none = await t.app.inject({ method: 'PUT', url, headers: { ...analystA, 'if-match': '*' }, payload: { tax_paid_wan: 1 } })
    expect(none.statusCode).toBe(412)
    expect(none.json().code).toBe('precondition_failed')
    const made = await t.app.inject({ method: 'PUT', url, headers: analystA, payload: { tax_paid_wan: 320.5, tax_refund_wan: 20, output_wan: 15000, rating: 'B' } })
    expect(made.statusCode, made.body).toBe(201)
    expect(made.json()).toMatchObject({ year: 2023, tax_paid_wan: 320.5, tax_refund_wan: 20, output_wan: 15000, rating: 'B', version: 1 })
    expect((await t.app.inject({ method: 'PUT', url, headers: analystA, payload: { tax_paid_wan: 1 } })).statusCode).toBe(428)
    const changed = await t.app.inject({ method: 'PUT', url, headers: { ...analystA, 'if-match': '"1"' }, payload: { tax_paid_wan: 330 } })
    expect(changed.statusCode).toBe(200)
    // only the columns sent change: the statistics bureau's output stays
    expect(changed.json()).toMatchObject({ tax_paid_wan: 330, output_wan: 15000, version: 2 })
    expect((await t.app.inject({ method: 'PUT', url, headers: { ...analystA, 'if-match': '"1"' }, payload: { tax_paid_wan: 1 } })).statusCode).toBe(409)
    const any = await t.app.inject({ method: 'PUT', url, headers: { ...analystA, 'if-match': '*' }, payload: { tax_paid_wan: 331 } })
    expect(any.statusCode, any.body).toBe(200)
    expect(any.json()).toMatchObject({ tax_paid_wan: 331, version: 3 })
    const wrong = await t.app.inject({ method: 'PUT', url, headers: { ...analystA, 'if-match': '"2"' }, payload: { rating: 'E' } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().message).toContain('rating')
    expect((await t.app.inject({ method: 'PUT', url: `/api/enterprises/${LUANCHUAN}/figures/2023`, headers: analystA, payload: { tax_paid_wan: 1 } })).statusCode).toBe(404)
  })

  const importTable = (headers: Headers, body: Buffer, contentType: string, query = '') =>
    t.app.inject({ method: 'POST', url: `/api/enterprises/figures/2024/import${query}`, headers: { ...headers, 'content-type': contentType }, payload: body })

  it('imports the tax bureau\'s GBK CSV in 元: validates first, then all rows or none', async () => {
    const csv = [
      '2024年度重点企业纳税情况表,,,',
      '序号,统一社会信用代码,纳税人名称,实缴税金（元）,退税（元）',
      `1,${ZHONGXIN},中信重工机械股份有限公司,"4,200,000",150000`,
      `2,${YITUO.toLowerCase()},中国一拖集团有限公司,3500000,`,
      `3,91410300BADCODE,某公司,100,0`,
      `4,${LUANCHUAN},洛阳栾川钼业集团股份有限公司,100,0`,
      `5,${ZHONGXIN},重复行,1,0`,
      '合计,,,"7,700,101",150000',
    ].join('\r\n')
    const gbk = iconv.encode(csv, 'gbk')
    const dry = await importTable(analystA, gbk, 'text/csv', '?dry_run=true')
    expect(dry.statusCode, dry.body).toBe(200)
    const report = dry.json()
    expect(report).toMatchObject({ dry_run: true, committed: false, rows: 5, valid: 2 })
    expect(report.columns).toMatchObject({ credit_code: '统一社会信用代码', name: '纳税人名称', tax_paid_wan: '实缴税金（元）', tax_refund_wan: '退税（元）' })
    expect(report.ignored).toEqual(['序号'])
    expect(report.problems.map((p: { row: number }) => p.row).sort()).toEqual([5, 6, 7])
    const before = await t.database.db.one('SELECT count(*)::int AS n FROM event_log WHERE entity = $1', ['enterprise_year'])
    const refused = await importTable(analystA, gbk, 'text/csv')
    expect(refused.statusCode).toBe(400)
    expect(refused.json().detail.problems).toHaveLength(3)
    expect(await t.database.db.one('SELECT count(*)::int AS n FROM event_log WHERE entity = $1', ['enterprise_year'])).toEqual(before)
    expect(await t.database.db.any('SELECT 1 FROM enterprise_year WHERE year = 2024')).toEqual([])

    const clean = iconv.encode(csv.split('\r\n').filter((_, i) => i < 4).join('\r\n'), 'gbk')
    const done = await importTable(analystA, clean, 'text/csv', `?source=${enc('税务局2024.csv')}`)
    expect(done.statusCode, done.body).toBe(200)
    expect(done.json()).toMatchObject({ committed: true, created: 2, updated: 0, valid: 2 })
    // 元 → 万元
    const rows = await t.database.db.any('SELECT credit_code, tax_paid_wan, tax_refund_wan FROM enterprise_year WHERE year = 2024 ORDER BY credit_code')
    expect(rows).toEqual([
      { credit_code: ZHONGXIN, tax_paid_wan: 420, tax_refund_wan: 15 },
      { credit_code: YITUO, tax_paid_wan: 350, tax_refund_wan: 0 },
    ])
    const logged = await t.database.db.one(`SELECT actor, note FROM event_log WHERE entity = 'enterprise_year' ORDER BY id DESC LIMIT 1`)
    expect(logged).toEqual({ actor: 'user:analyst_410311', note: '导入 2024 年度数据表 / import: 税务局2024.csv' })
  })

  it('imports the statistics bureau\'s XLSX, filling output without touching tax', async () => {
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('产值')
    ws.addRow(['单位详细名称', '统一社会信用代码', '工业总产值(万元)', '从业人员', '综合能耗（吨标准煤）', '利润总额（万元）'])
    ws.addRow(['中信重工机械股份有限公司', ZHONGXIN, 52000.456, 1820, 9000, 3000])
    ws.addRow(['中国一拖集团有限公司', YITUO, { formula: '1000*30', result: 30000 }, 2500, 12000, -200])
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer())
    const res = await importTable(admin, xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ committed: true, created: 0, updated: 2 })
    const rows = await t.database.db.any('SELECT credit_code, tax_paid_wan, output_wan, employment, energy_tce, profit_wan, version FROM enterprise_year WHERE year = 2024 ORDER BY credit_code')
    expect(rows).toEqual([
      { credit_code: ZHONGXIN, tax_paid_wan: 420, output_wan: 52000.46, employment: 1820, energy_tce: 9000, profit_wan: 3000, version: 2 },
      { credit_code: YITUO, tax_paid_wan: 350, output_wan: 30000, employment: 2500, energy_tce: 12000, profit_wan: -200, version: 2 },
    ])
    expect((await importTable(surveyorA, xlsx, 'text/csv')).statusCode).toBe(403)
  })
})
