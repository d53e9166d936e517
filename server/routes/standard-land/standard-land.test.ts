/** Standard land (标准地) through the API, from sale to acceptance, rectification or termination:
 * the 3+N+1 of a sale (a 30-year term without the major-project flag refused), a contract through
 * fail → rectify → pass to its production check (tax per mu taken from the yearly figures), one
 * through fail → fail → termination recommended → terminated, overdue checks and rectifications
 * listed at a date, and all of it in the parcel's file and disposal ledger. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { boxAreaM2, boxAt, ensureCounty, figures, firmCode, insertCluster, insertFirm, insertParcelBox, muOf } from '../../test/permu-land'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyor: Headers, surveyorB: Headers, inspector: Headers

const A = '410311'
const B = '410324'
const ORIGIN: [number, number] = [112.45, 34.60]
const FIRM = firmCode(40)  // the land user of S1 (its only land in 2024)
const OTHER = firmCode(41) // the land user of the other sales
const S1 = boxAt(ORIGIN, 0, 0, 150, 100)

const INDICATORS = [
  { indicator: 'investment_intensity', unit: '万元/亩', direction: 'min', value: 300 },
  { indicator: 'tax_per_mu', unit: '万元/亩', direction: 'min', value: 15 },
  { indicator: 'plot_ratio', unit: 'ratio', direction: 'min', value: 1.2 },
  { indicator: 'output_per_mu', unit: '万元/亩', direction: 'min', value: 150 },
  { indicator: 'employment', unit: '人', direction: 'min', value: 50 },
  { indicator: 'admin_share', unit: 'ratio', direction: 'max', value: 0.07 },
  { indicator: 'emission_compliance', unit: '达标=1', direction: 'min', value: 1 },
]

const sale = (no: string, parcel: string, extra: Record<string, unknown> = {}) => ({
  contract_no: no, parcel_code: parcel, land_user_code: parcel === 'S1' ? FIRM : OTHER, land_use: '工业用地', signed_on: '2021-03-01',
  agreed_start_on: '2021-06-01', agreed_completion_on: '2022-12-31', total_investment_wan: 9000, term_years: 20,
  indicators: INDICATORS, ...extra,
})

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await ensureCounty(db, A, '洛龙区')
  await ensureCounty(db, B, '栾川县')
  await insertCluster(db, { code: 'luolong', county: A, target: 15, box: boxAt(ORIGIN, -100, -100, 2000, 600) })
  await insertFirm(db, FIRM, '标准地试点有限公司', A)
  await insertFirm(db, OTHER, '另一试点有限公司', A)
  await insertParcelBox(db, { code: 'S1', county: A, cluster: 'luolong', box: S1 })
  for (const [k, code] of ['S2', 'S3', 'S4', 'S5'].entries()) {
    await insertParcelBox(db, { code, county: A, cluster: 'luolong', box: boxAt(ORIGIN, 300 + k * 200, 0, 100, 100) })
  }
  // the land user's 2024 figures: 20 万元/亩 on S1 (its only land when the production check is made)
  await figures(db, FIRM, 2024, { tax: Math.round(20 * muOf(boxAreaM2(S1)) * 100) / 100, output: Math.round(200 * muOf(boxAreaM2(S1)) * 100) / 100 })
  analyst = await t.loginAs('analyst', null)
  surveyor = await t.loginAs('surveyor', [A])
  surveyorB = await t.loginAs('surveyor', [B])
  inspector = await t.loginAs('inspector', null)
})
afterAll(async () => t?.close())

const enc = encodeURIComponent
const post = (url: string, payload: object, headers: Headers = analyst) => t.app.inject({ method: 'POST', url, headers, payload })
const check = (no: string, payload: object, headers: Headers = analyst) => post(`/api/standard-land/${enc(no)}/checks`, payload, headers)
const file = async (no: string, asOf: string, headers: Headers = analyst) => {
  const res = await t.app.inject({ url: `/api/standard-land/${enc(no)}?asOf=${asOf}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const ledgerOf = async (parcel: string) => (await t.app.inject({ url: `/api/parcels/${parcel}/ledger`, headers: analyst })).json()

describe('a standard-land sale (3+N+1)', () => {
  it('refuses a 30-year term without the major-project flag, and writes nothing', async () => {
    const res = await post('/api/standard-land', sale('洛标〔2021〕30号', 'S5', { term_years: 30 }))
    expect(res.statusCode).toBe(400)
    expect(res.json().detail.field).toBe('term_years')
    expect(res.json().message).toContain('major_project')
    const none = await t.app.inject({ url: `/api/contracts/${enc('洛标〔2021〕30号')}`, headers: analyst })
    expect(none.statusCode).toBe(404)
    // the same through the contracts API, and a term over 50 even with the flag
    const viaContracts = await post('/api/contracts', {
      contract_no: '洛标〔2021〕31号', parcel_code: 'S5', supply_method: 'grant', signed_on: '2021-03-01', is_standard_land: true, term_years: 30,
    })
    expect(viaContracts.statusCode).toBe(400)
    expect(viaContracts.json().detail.field).toBe('term_years')
    expect((await post('/api/standard-land', sale('洛标〔2021〕32号', 'S5', { term_years: 51, major_project: true }))).statusCode).toBe(400)
  })

  it('sells for 30 years a recognised major project, with the 3 main indicators marked and N others with unit and direction', async () => {
    const res = await post('/api/standard-land', sale('洛标〔2021〕33号', 'S5', { term_years: 30, major_project: true }))
    expect(res.statusCode, res.body).toBe(201)
    const body = res.json()
    expect(body.indicators.core.map((i: { indicator: string }) => i.indicator)).toEqual(['investment_intensity', 'plot_ratio', 'tax_per_mu'])
    expect(body.indicators.n.map((i: { indicator: string; unit: string; direction: string }) => [i.indicator, i.unit, i.direction])).toEqual([
      ['admin_share', 'ratio', 'max'], ['emission_compliance', '达标=1', 'min'], ['employment', '人', 'min'], ['output_per_mu', '万元/亩', 'min']])
    expect(body.indicators.term).toEqual({ years: 30, major_project: true, max_years: 50 })
    const contract = (await t.app.inject({ url: `/api/contracts/${enc('洛标〔2021〕33号')}`, headers: analyst })).json()
    expect(contract.is_standard_land).toBe(true)
    expect(contract.indicators.filter((i: { is_core: boolean }) => i.is_core)).toHaveLength(3)
  })

  it('refuses a sale without one of the 3 main indicators, or with one as a maximum', async () => {
    const without = await post('/api/standard-land', sale('洛标〔2021〕34号', 'S4', { indicators: INDICATORS.filter((i) => i.indicator !== 'tax_per_mu') }))
    expect(without.statusCode).toBe(400)
    expect(without.json().message).toContain('tax_per_mu')
    const maxed = await post('/api/standard-land', sale('洛标〔2021〕34号', 'S4', {
      indicators: INDICATORS.map((i) => (i.indicator === 'plot_ratio' ? { ...i, direction: 'max' } : i)) }))
    expect(maxed.statusCode).toBe(400)
    expect(maxed.json().message).toContain('plot_ratio')
  })
})

describe('fail → rectify → pass', () => {
  const NO = '洛标〔2021〕1号'

  it('is overdue for its completion check after the agreed period', async () => {
    const res = await post('/api/standard-land', sale(NO, 'S1', { completion_check_by: '2023-06-30', production_check_by: '2025-06-30', agreement_no: '履约〔2021〕1号' }))
    expect(res.statusCode, res.body).toBe(201)
    expect((await file(NO, '2023-06-30')).status).toMatchObject({ status: 'awaiting_completion_check', next_due: '2023-06-30', overdue: false })
    const late = await file(NO, '2023-07-15')
    expect(late.status).toMatchObject({ overdue: true, overdue_items: [{ item: 'completion_check', due: '2023-06-30', days_overdue: 15 }] })
    const overdue = (await t.app.inject({ url: '/api/standard-land/overdue?asOf=2023-07-15', headers: analyst })).json()
    expect(overdue.checks.map((c: { contract_no: string; check: string; days_overdue: number }) => [c.contract_no, c.check, c.days_overdue]))
      .toContainEqual([NO, 'completion', 15])
  })

  it('fails its completion check on investment intensity (a minimum and a maximum met exactly still pass) and opens a rectification', async () => {
    const tooLate = await check(NO, {
      kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 280, plot_ratio: 1.2, admin_share: 0.07 },
      rectification_deadline: '2025-05-11',
    })
    expect(tooLate.statusCode).toBe(400)
    expect(tooLate.json().detail.field).toBe('rectification_deadline')
    const res = await check(NO, {
      kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 280, plot_ratio: 1.2, admin_share: 0.07 },
      responsible_unit: '洛龙产业集聚区管委会',
    })
    expect(res.statusCode, res.body).toBe(201)
    const body = res.json()
    const [c] = body.checks
    expect(c).toMatchObject({ kind: 'completion', passed: false, failed: ['investment_intensity'] })
    expect(Object.fromEntries(c.results.map((r: { indicator: string; pass: boolean }) => [r.indicator, r.pass])))
      .toEqual({ investment_intensity: false, plot_ratio: true, admin_share: true })
    // the rule's default period: 24 months, the two years of annex 2 art. 12
    expect(body.rectifications).toMatchObject([{ kind: 'completion', opened_on: '2023-05-10', deadline: '2025-05-10', outcome: null }])
    expect(body.ledger).toMatchObject([{ measure: '限期整改', deadline: '2025-05-10', responsible_unit: '洛龙产业集聚区管委会', completed_on: null }])
    expect(body.ledger[0].cause).toContain('investment_intensity（约定 ≥ 300 万元/亩）')
    expect((await file(NO, '2024-01-01')).status.status).toBe('rectifying')
    // a production check cannot come before the completion check is passed
    const early = await check(NO, { kind: 'production', checked_on: '2023-06-01', measured: {} })
    expect(early.statusCode).toBe(409)
  })

  it('lists the rectification as overdue once its deadline has passed without a re-check', async () => {
    const st = (await file(NO, '2025-05-12')).status
    expect(st.overdue_items).toMatchObject([{ item: 'rectification', kind: 'completion', due: '2025-05-10', days_overdue: 2 }])
    const overdue = (await t.app.inject({ url: '/api/standard-land/overdue?asOf=2025-05-12', headers: analyst })).json()
    expect(overdue.rectifications.map((r: { contract_no: string }) => r.contract_no)).toContain(NO)
  })

  it('passes the re-check: the rectification closes, the ledger entry is done, the completion is accepted', async () => {
    const res = await check(NO, { kind: 'completion', checked_on: '2024-03-01', measured: { investment_intensity: 320, plot_ratio: 1.3, admin_share: 0.05 } })
    expect(res.statusCode, res.body).toBe(201)
    const body = res.json()
    expect(body.checks[1]).toMatchObject({ passed: true, failed: [], recheck_of: body.rectifications[0].id })
    expect(body.rectifications[0]).toMatchObject({ outcome: 'passed', closed_on: '2024-03-01', recheck_id: body.checks[1].id })
    expect(body.ledger[0]).toMatchObject({ completed_on: '2024-03-01' })
    expect(body.ledger[0].progress).toContain('整改后复验通过')
    expect(body.status).toMatchObject({ status: 'completion_accepted', completion_passed_on: '2024-03-01', production_check_by: '2025-06-30' })
    expect((await check(NO, { kind: 'completion', checked_on: '2024-04-01', measured: { investment_intensity: 320, plot_ratio: 1.3, admin_share: 0.05 } })).statusCode).toBe(409)
  })

  it('passes its production check with tax per mu taken from the last whole year\'s figures (annex 3 art. 14)', async () => {
    const missing = await check(NO, { kind: 'production', checked_on: '2025-03-01', measured: { investment_intensity: 320, plot_ratio: 1.3, admin_share: 0.05, employment: 80 } })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().detail.field).toBe('measured.emission_compliance')
    const unknown = await check(NO, { kind: 'production', checked_on: '2025-03-01', measured: { investment_intensity: 320, plot_ratio: 1.3, admin_share: 0.05, employment: 80, emission_compliance: 1, noise_db: 50 } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().detail.field).toBe('measured.noise_db')
    const res = await check(NO, { kind: 'production', checked_on: '2025-03-01', measured: { investment_intensity: 320, plot_ratio: 1.3, admin_share: 0.05, employment: 80, emission_compliance: 1 } })
    expect(res.statusCode, res.body).toBe(201)
    const body = res.json()
    const production = body.checks[2]
    expect(production).toMatchObject({ kind: 'production', passed: true, measured_source: { tax_per_mu: { source: 'permu', year: 2024 }, output_per_mu: { source: 'permu', year: 2024 } } })
    const tax = production.results.find((r: { indicator: string }) => r.indicator === 'tax_per_mu')
    const mu = muOf(boxAreaM2(S1))
    expect(Math.abs(tax.measured - Math.round(20 * mu * 100) / 100 / mu)).toBeLessThan(1e-9)
    expect(body.status).toMatchObject({ status: 'production_accepted', production_passed_on: '2025-03-01', overdue: false })
  })

  it('shows a surveyor the pass or fail of tax per mu but not its measured value, and refuses to let them record it', async () => {
    const seen = await file(NO, '2025-06-30', surveyor)
    const tax = seen.checks[2].results.find((r: { indicator: string }) => r.indicator === 'tax_per_mu')
    expect(tax).toMatchObject({ pass: true, measured: null, redacted: true })
    const plot = seen.checks[2].results.find((r: { indicator: string }) => r.indicator === 'plot_ratio')
    expect(plot).toMatchObject({ measured: 1.3, redacted: false })
    expect(JSON.stringify(seen)).not.toMatch(/"tax_per_mu":\s*\d/)
    const res = await check('洛标〔2021〕33号', { kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 300, plot_ratio: 1.2, admin_share: 0.05, tax_per_mu: 3 } }, surveyor)
    expect(res.statusCode).toBe(403)
    expect(res.json().detail.field).toBe('measured.tax_per_mu')
  })

  it('keeps every step in the parcel\'s file and ledger', async () => {
    const history = (await t.app.inject({ url: '/api/parcels/S1/history', headers: analyst })).json()
    const entities = history.events.map((e: { entity: string }) => e.entity)
    expect(entities.filter((e: string) => e === 'standard_land_check')).toHaveLength(3)
    expect(entities.filter((e: string) => e === 'standard_land_rectification')).toHaveLength(2) // opened, closed
    expect(entities).toContain('standard_land_terms')
    const kinds = history.events.filter((e: { entity: string; action: string }) => e.entity === 'development_event' && e.action === 'insert')
      .map((e: { value: { kind: string } }) => e.value.kind)
    expect(kinds).toEqual(['inspection', 'completion_acceptance', 'production_acceptance'])
    expect(history.events.find((e: { entity: string }) => e.entity === 'standard_land_check').actor).toBe('user:analyst_city')
    const ledger = await ledgerOf('S1')
    expect(ledger.entries).toMatchObject([{ measure: '限期整改', deadline: '2025-05-10', completed_on: '2024-03-01', completed_late: false }])
  })
})

describe('fail → fail → termination recommended', () => {
  const NO = '洛标〔2021〕2号'

  it('recommends termination and recovery after a failed re-check, refuses further checks, and records the termination', async () => {
    expect((await post('/api/standard-land', sale(NO, 'S2'))).statusCode).toBe(201)
    const first = await check(NO, { kind: 'completion', checked_on: '2023-03-01', measured: { investment_intensity: 310, plot_ratio: 1.0, admin_share: 0.06 }, rectification_deadline: '2024-03-01' })
    expect(first.statusCode, first.body).toBe(201)
    expect(first.json().checks[0]).toMatchObject({ passed: false, failed: ['plot_ratio'] })
    const second = await check(NO, { kind: 'completion', checked_on: '2024-02-20', measured: { investment_intensity: 310, plot_ratio: 1.1, admin_share: 0.08 } })
    expect(second.statusCode, second.body).toBe(201)
    const body = second.json()
    expect(body.checks[1]).toMatchObject({ passed: false, failed: ['admin_share', 'plot_ratio'] })
    expect(body.rectifications[0]).toMatchObject({ outcome: 'failed', closed_on: '2024-02-20' })
    expect(body.status).toMatchObject({ status: 'termination_recommended', termination_recommended_on: '2024-02-20', termination_due: '2024-08-20' })
    const [rect, recovery] = body.ledger
    expect(rect).toMatchObject({ measure: '限期整改', deadline: '2024-03-01', completed_on: '2024-02-20' })
    expect(recovery).toMatchObject({ measure: '收回', deadline: '2024-08-20', responsible_unit: '自然资源和规划部门', completed_on: null })
    expect(recovery.cause).toContain('解除出让合同、收回土地')
    const again = await check(NO, { kind: 'completion', checked_on: '2024-05-01', measured: { investment_intensity: 310, plot_ratio: 1.3, admin_share: 0.05 } })
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('termination_recommended')

    const overdue = (await t.app.inject({ url: '/api/standard-land/overdue?asOf=2024-09-01', headers: analyst })).json()
    expect(overdue.terminations).toMatchObject([{ contract_no: NO, due: '2024-08-20', days_overdue: 12 }])

    const done = await post(`/api/standard-land/${enc(NO)}/termination`, { terminated_on: '2024-10-15', note: '市政府批准解除合同' })
    expect(done.statusCode, done.body).toBe(200)
    expect(done.json().status.status).toBe('terminated')
    expect(done.json().ledger[1]).toMatchObject({ measure: '收回', completed_on: '2024-10-15' })
    const card = (await t.app.inject({ url: '/api/parcels/S2', headers: analyst })).json()
    expect(card.properties.stage).toBe('recovered')
    expect(card.properties.contracts[0]).toMatchObject({ contract_no: NO, terminated_on: '2024-10-15' })
    expect((await post(`/api/standard-land/${enc(NO)}/termination`, { terminated_on: '2024-10-16' })).statusCode).toBe(409)
  })
})

describe('who may do what', () => {
  it('keeps contracts of other counties out of sight (404) and inspectors from recording checks (403)', async () => {
    expect((await t.app.inject({ url: `/api/standard-land/${enc('洛标〔2021〕1号')}`, headers: surveyorB })).statusCode).toBe(404)
    expect((await check('洛标〔2021〕33号', { kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 300, plot_ratio: 1.2, admin_share: 0.05 } }, surveyorB)).statusCode).toBe(404)
    expect((await check('洛标〔2021〕33号', { kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 300, plot_ratio: 1.2, admin_share: 0.05 } }, inspector)).statusCode).toBe(403)
    const list = (await t.app.inject({ url: '/api/standard-land?asOf=2025-06-30', headers: surveyorB })).json()
    expect(list.total).toBe(0)
    const mine = (await t.app.inject({ url: '/api/standard-land?asOf=2025-06-30', headers: surveyor })).json()
    expect(mine.items.map((i: { contract_no: string }) => i.contract_no).sort()).toEqual(['洛标〔2021〕1号', '洛标〔2021〕2号', '洛标〔2021〕33号'])
  })

  it('lets every signed-in role read, only editors of the county write, and nobody unsigned', async () => {
    const NO = enc('洛标〔2021〕1号')
    for (const url of [`/api/standard-land/${NO}`, '/api/standard-land', '/api/standard-land/overdue']) {
      expect((await t.app.inject({ url, headers: inspector })).statusCode, url).toBe(200)
      expect((await t.app.inject({ url })).statusCode, url).toBe(401)
    }
    const terms = { agreement_no: '履约〔2021〕9号' }
    expect((await t.app.inject({ method: 'PUT', url: `/api/standard-land/${NO}/terms`, headers: inspector, payload: terms })).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'PUT', url: `/api/standard-land/${NO}/terms`, headers: surveyorB, payload: terms })).statusCode).toBe(404)
    expect((await post(`/api/standard-land/${NO}/termination`, { terminated_on: '2025-01-01' }, inspector)).statusCode).toBe(403)
    expect((await post(`/api/standard-land/${NO}/termination`, { terminated_on: '2025-01-01' }, surveyorB)).statusCode).toBe(404)
    expect((await post('/api/standard-land', sale('洛标〔2021〕40号', 'S4'), inspector)).statusCode).toBe(403)
    // a contract that is not standard land has no standard-land file
    expect((await post('/api/contracts', { contract_no: '洛出让〔2021〕41号', parcel_code: 'S4', supply_method: 'grant', signed_on: '2021-03-01' })).statusCode).toBe(201)
    expect((await t.app.inject({ url: `/api/standard-land/${enc('洛出让〔2021〕41号')}`, headers: analyst })).statusCode).toBe(404)
    expect((await check('洛出让〔2021〕41号', { kind: 'completion', checked_on: '2023-05-10', measured: { plot_ratio: 1 } })).statusCode).toBe(409)
  })

  it('edits the agreement\'s periods on the version seen (If-Match), in order', async () => {
    const url = `/api/standard-land/${enc('洛标〔2021〕1号')}/terms`
    const put = (payload: object, headers: Record<string, string> = {}) => t.app.inject({ method: 'PUT', url, headers: { ...analyst, ...headers }, payload })
    expect((await put({ agreement_no: '履约〔2021〕1-1号' })).statusCode).toBe(428)
    const stale = await put({ agreement_no: '履约〔2021〕1-1号' }, { 'if-match': '"7"' })
    expect(stale.statusCode).toBe(409)
    expect(stale.json().detail.current_version).toBe(1)
    const bad = await put({ production_check_by: '2023-01-01' }, { 'if-match': '"1"' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().detail.field).toBe('production_check_by')
    const ok = await put({ agreement_no: '履约〔2021〕1-1号' }, { 'if-match': '"1"' })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().terms).toEqual({ agreement_no: '履约〔2021〕1-1号', completion_check_by: '2023-06-30', production_check_by: '2025-06-30', version: 2 })
  })

  it('lets a surveyor of the county record a completion check without sensitive values', async () => {
    const res = await check('洛标〔2021〕33号', { kind: 'completion', checked_on: '2023-05-10', measured: { investment_intensity: 300, plot_ratio: 1.2, admin_share: 0.05 } }, surveyor)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().status.status).toBe('completion_accepted')
  })
})

describe('the workflow as a table', () => {
  it('publishes, for every status and check kind, either the refusal or where each outcome leads, and the termination from every status', async () => {
    const res = await t.app.inject({ url: '/api/standard-land/transitions', headers: inspector })
    expect(res.statusCode, res.body).toBe(200)
    const { statuses, transitions } = res.json() as {
      statuses: { status: string; label: string }[]
      transitions: { status: string; step: string; kind: string | null; rectifying: string | null; outcome: string | null; to_status: string | null; effect: string | null; refused: string | null }[]
    }
    expect(statuses.map((s) => s.status)).toEqual(['awaiting_completion_check', 'completion_accepted', 'production_accepted', 'rectifying', 'termination_recommended', 'terminated'])
    // every (status, kind, open rectification) has one refusal, or one row per outcome — never both, never none
    for (const { status } of statuses) {
      for (const kind of ['completion', 'production']) {
        for (const rect of status === 'rectifying' ? ['completion', 'production'] : [null]) {
          const rows = transitions.filter((r) => r.step === 'check' && r.status === status && r.kind === kind && r.rectifying === rect)
          const what = `${status} ${kind} ${rect}`
          if (rows.some((r) => r.refused)) expect(rows, what).toHaveLength(1)
          else expect(rows.map((r) => r.outcome).sort(), what).toEqual(['failed', 'passed'])
        }
      }
      expect(transitions.filter((r) => r.step === 'terminate' && r.status === status), status).toHaveLength(1)
    }
    // the steps the contracts above went through (annex 2 art. 12)
    expect(transitions).toContainEqual(expect.objectContaining({ status: 'awaiting_completion_check', kind: 'completion', outcome: 'failed', to_status: 'rectifying', effect: 'open_rectification' }))
    expect(transitions).toContainEqual(expect.objectContaining({ status: 'rectifying', kind: 'completion', rectifying: 'completion', outcome: 'passed', to_status: 'completion_accepted', effect: 'close_rectification' }))
    expect(transitions).toContainEqual(expect.objectContaining({ status: 'rectifying', kind: 'completion', rectifying: 'completion', outcome: 'failed', to_status: 'termination_recommended', effect: 'recommend_termination' }))
    expect(transitions).toContainEqual(expect.objectContaining({ status: 'awaiting_completion_check', kind: 'production', refused: 'completion_first' }))
    expect((await t.app.inject({ url: '/api/standard-land/transitions' })).statusCode).toBe(401)
  })
})
