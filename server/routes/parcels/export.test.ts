/** The printable XLSX of a parcel's card and file, and of a filtered list: same scope, same hiding of tax and price. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ExcelJS from 'exceljs'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, COUNTY_B, creditCode, insertContract, insertEnterprise, insertParcel, seedPlaces } from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyorA: Headers
const FIRM = creditCode(501)

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await seedPlaces(db)
  analyst = await t.loginAs('analyst', null)
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  await insertEnterprise(db, FIRM, '洛阳北方玻璃技术股份有限公司')
  const id = await insertParcel(db, { code: 'X-A-1', landUse: '工业用地', stage: 'producing' })
  await insertParcel(db, { code: 'X-A-2', lon: 112.46 })
  await insertParcel(db, { code: 'X-B-1', county: COUNTY_B })
  await insertContract(db, { no: 'X-HT-1', parcelId: id, landUser: FIRM, price: 8765.43 })
  await db.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan) VALUES ($1, 2023, 4321.5, 98765)`, [FIRM])
  await db.none(`INSERT INTO disposal_ledger (parcel_id, county_code, measure, deadline, responsible_unit) VALUES ($1, $2, '二次开发', '2020-01-01', '洛龙区')`, [id, COUNTY_A])
})
afterAll(async () => t.close())

async function workbook(url: string, headers: Headers) {
  const res = await t.app.inject({ url, headers })
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
  expect(res.headers['content-type']).toMatch(/spreadsheetml/)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
  return wb
}
const text = (ws: ExcelJS.Worksheet) => {
  const cells: string[] = []
  ws.eachRow((r) => r.eachCell((c) => cells.push(String(c.value ?? ''))))
  return cells.join('\n')
}

describe('export', () => {
  it('prints one parcel\'s card and file; tax and price only for analysts', async () => {
    const wb = await workbook('/api/parcels/X-A-1/export.xlsx', analyst)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['宗地卡片', '宗地档案'])
    const card = wb.getWorksheet('宗地卡片')!
    expect(card.pageSetup.orientation).toBe('landscape')
    const rows = new Map<string, string>()
    card.eachRow((r, n) => { if (n > 1) rows.set(String(r.getCell(1).value), String(r.getCell(2).value)) })
    expect(rows.get('宗地编号')).toBe('X-A-1')
    expect(rows.get('生命周期阶段')).toBe('已投产')
    expect(rows.get('土地使用权人')).toBe(`洛阳北方玻璃技术股份有限公司（${FIRM}）`)
    expect(rows.get('出让价款(万元)')).toBe('8765.43')
    expect(rows.get('处置台账')).toMatch(/^二次开发，时限 2020-01-01，逾期 \d+ 天$/)
    expect(text(card)).toContain('4321.5')
    const file = wb.getWorksheet('宗地档案')!
    expect(text(file)).toContain('供地')
    expect(file.rowCount).toBeGreaterThan(3)
    // who and when as people read them (server/labels/): no raw actor ids, times in 北京时间 without T
    expect(text(file)).not.toMatch(/user:|system:|\d{4}-\d{2}-\d{2}T\d/)
    expect(text(file)).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)

    const forSurveyor = await workbook('/api/parcels/X-A-1/export.xlsx', surveyorA)
    const all = forSurveyor.worksheets.map(text).join('\n')
    expect(all).toContain('洛阳北方玻璃技术股份有限公司')
    for (const secret of ['8765.43', '4321.5', '98765', '出让价款', '纳税', 'price_wan', 'tax_paid_wan']) expect(all).not.toContain(secret)
    expect((await t.app.inject({ url: '/api/parcels/X-B-1/export.xlsx', headers: surveyorA })).statusCode).toBe(404)
  })

  it('prints a filtered list within the caller\'s counties', async () => {
    const wb = await workbook('/api/parcels/export.xlsx?q=X-', analyst)
    const list = wb.getWorksheet('宗地一览')!
    const codes: string[] = []
    list.eachRow((r, n) => { if (n > 1) codes.push(String(r.getCell(1).value)) })
    expect(codes).toEqual(['X-A-1', 'X-A-2', 'X-B-1'])
    expect(text(list)).toContain('纳税(万元)')
    const mine = await workbook('/api/parcels/export.xlsx?q=X-', surveyorA)
    const mineList = mine.getWorksheet('宗地一览')!
    expect(mineList.rowCount).toBe(3)
    const all = mine.worksheets.map(text).join('\n')
    expect(all).not.toContain('X-B-1')
    for (const secret of ['8765.43', '4321.5', '纳税']) expect(all).not.toContain(secret)
  })
})
