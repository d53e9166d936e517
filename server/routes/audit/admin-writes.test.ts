/** The admin's writes of land data (county rule versions, official flags, leases, enterprise
 * records) in the audit trail (安全审计, GB/T 22239-2019 8.1.4.3): each write leaves one event
 * naming the actor, their role, the kind and what it was about, read back through the audit
 * officer's GET /api/audit; and, with the duties separated (8.1.4.2), the security and audit
 * officers are refused every one of these routes (403), writing nothing, their attempts recorded
 * as refused. Every audited kind has its Chinese label (server/labels/codes.ts AUDIT_KIND), which
 * the audit viewer's filter lists. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { boxAt, ensureCounty, firmCode, grant, insertCluster, insertFirm, insertParcelBox } from '../../test/permu-land'
import { AUDIT_KIND } from '../../labels/codes'

let t: TestApp
let auditor: { authorization: string }
const A = '410311'
const ORIGIN: [number, number] = [112.45, 34.62]
const HOLDER = firmCode(951)
const TENANT = firmCode(952)
const KEEP = firmCode(953)
const DUPLICATE = firmCode(954)
// a published code with a valid GB 32100-2015 check character (firmCode() codes have none)
const NEW_CODE = '91350100M000100Y43'
const PARCEL = 'AW-P1'

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await ensureCounty(db, A, '洛龙区')
  await insertCluster(db, { code: 'aw-a', county: A, target: 15, box: boxAt(ORIGIN, 0, 0, 2000, 2000) })
  const p = await insertParcelBox(db, { code: PARCEL, county: A, cluster: 'aw-a', box: boxAt(ORIGIN, 100, 100, 200, 150) })
  for (const [c, n] of [[HOLDER, '出租方'], [TENANT, '承租方'], [KEEP, '乙公司'], [DUPLICATE, '乙公司（重复）']] as const) await insertFirm(db, c, n, A)
  await grant(db, { no: 'AW-C1', parcelId: p, county: A, landUser: HOLDER, signedOn: '2020-01-01' })
  auditor = await t.loginAs('audit', null, 'auditor.admin_writes')
})
afterAll(async () => t?.close())

type Event = { kind: string; actor: string | null; actor_role: string | null; object: string | null; result: string; detail: Record<string, unknown> }

const eventsOf = async (kind: string, actor: string): Promise<Event[]> => {
  const res = await t.app.inject({ url: `/api/audit?kind=${kind}&actor=${encodeURIComponent(actor)}&limit=100`, headers: auditor })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().events as Event[]
}

const post = (url: string, headers: { authorization: string }, payload: object) => t.app.inject({ method: 'POST', url, headers, payload })

describe('the admin writes in the audit trail', () => {
  it('each of the seven writes leaves one event with the actor, the role, the kind and its object', async () => {
    const actor = 'admin.writer'
    const admin = await t.loginAs('admin', null, actor)
    const writes: { kind: string; status: number; url: string; payload: object; detail: Record<string, unknown> }[] = []
    const write = async (kind: string, status: number, url: string, payload: object, detail: Record<string, unknown>) => {
      const res = await post(url, admin, payload)
      expect(res.statusCode, `${kind}: ${res.body}`).toBe(status)
      writes.push({ kind, status, url, payload, detail })
      return res
    }

    const rule = await write('rule_version_added', 201, '/api/rules/idle_days/versions',
      { county: A, value: 500, effective_from: '2030-01-01', note: '洛龙区规〔2029〕1号' },
      { key: 'idle_days', county: A, value: 500, effective_from: '2030-01-01' })
    writes.at(-1)!.detail.version = rule.json().id
    const flag = (await write('flag_set', 201, `/api/parcels/${PARCEL}/flags`,
      { kind: 'industry_transition', doc_no: '洛政〔2025〕7号', set_on: '2025-03-01', reason: '列入退二优二名单' },
      { parcel: PARCEL, kind: 'industry_transition', doc_no: '洛政〔2025〕7号', set_on: '2025-03-01' })).json().flags[0]
    await write('flag_cleared', 200, `/api/parcels/${PARCEL}/flags/${flag.id}/clear`,
      { cleared_on: '2025-09-01', doc_no: '洛政〔2025〕30号', reason: '已完成转型' },
      { parcel: PARCEL, flag: flag.id, doc_no: '洛政〔2025〕30号', cleared_on: '2025-09-01' })
    const lease = (await write('lease_recorded', 201, `/api/parcels/${PARCEL}/leases`,
      { landholder_code: HOLDER, tenant_code: TENANT, starts_on: '2024-01-01', doc_no: '租赁合同 2024-07' },
      { parcel: PARCEL, landholder: HOLDER, tenant: TENANT, starts_on: '2024-01-01', ends_on: null, doc_no: '租赁合同 2024-07' })).json().leases[0]
    await write('lease_ended', 200, `/api/parcels/${PARCEL}/leases/${lease.id}/end`, { ends_on: '2025-12-31' },
      { parcel: PARCEL, lease: lease.id, ends_on: '2025-12-31' })
    await write('enterprise_created', 201, '/api/enterprises', { credit_code: NEW_CODE, name: '新登记企业', county_code: A },
      { credit_code: NEW_CODE, county_code: A, name: '新登记企业' })
    await write('enterprises_merged', 200, `/api/enterprises/${KEEP}/merge`, { from: DUPLICATE, note: '同一企业重复登记' },
      { into: KEEP, from: DUPLICATE, note: '同一企业重复登记', moved: { figures: 0, contracts: 0, leases: 0 } })

    expect(writes.map((w) => w.kind)).toHaveLength(7)
    for (const w of writes) {
      const events = await eventsOf(w.kind, actor)
      expect(events, w.kind).toHaveLength(1)
      expect(events[0], w.kind).toMatchObject({ kind: w.kind, actor, actor_role: 'admin', object: `POST ${w.url}`, result: 'ok' })
      expect(events[0]!.detail, w.kind).toEqual({ status: w.status, ...w.detail })
      expect(AUDIT_KIND, `${w.kind} has a Chinese label`).toHaveProperty(w.kind)
    }
    // the writes themselves happened (the events are not of refused calls)
    const db = t.database.db
    expect(await db.one("SELECT count(*)::int AS n FROM county_rule WHERE key = 'idle_days' AND county_code = $1 AND effective_from = '2030-01-01'", [A])).toEqual({ n: 1 })
    expect(await db.one('SELECT cleared_on::text FROM parcel_flag WHERE id = $1', [flag.id])).toEqual({ cleared_on: '2025-09-01' })
    expect(await db.one('SELECT ends_on::text FROM lease WHERE id = $1', [lease.id])).toEqual({ ends_on: '2025-12-31' })
    expect(await db.one('SELECT name FROM enterprise WHERE credit_code = $1', [NEW_CODE])).toEqual({ name: '新登记企业' })
    expect(await db.one('SELECT credit_code FROM enterprise_alias WHERE alias_code = $1', [DUPLICATE])).toEqual({ credit_code: KEEP })
    // and the trail is still whole
    const check = (await t.app.inject({ url: '/api/audit/check', headers: auditor })).json()
    expect(check).toMatchObject({ whole: true, problems: [] })
  })

  it('a write refused for its input (400) is in the trail as failed, with what was sent, and writes nothing', async () => {
    const actor = 'admin.mistaken'
    const admin = await t.loginAs('admin', null, actor)
    const res = await post('/api/enterprises', admin, { credit_code: '911100006000373410', name: '错码企业', county_code: A })
    expect(res.statusCode).toBe(400)
    const events = await eventsOf('enterprise_created', actor)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ actor, actor_role: 'admin', result: 'failed', detail: { status: 400, credit_code: '911100006000373410' } })
    expect(await t.database.db.oneOrNone("SELECT 1 FROM enterprise WHERE credit_code = '911100006000373410'")).toBeNull()
  })
})

describe('separated duties (GB/T 22239-2019 8.1.4.2): the security and audit officers', () => {
  it('are refused every rule, flag, lease and enterprise route (403), write nothing, and their attempts are recorded', async () => {
    const db = t.database.db
    const counts = () => db.one(`SELECT (SELECT count(*) FROM county_rule)::int AS rules, (SELECT count(*) FROM parcel_flag)::int AS flags,
      (SELECT count(*) FROM lease)::int AS leases, (SELECT count(*) FROM enterprise)::int AS firms,
      (SELECT count(*) FROM enterprise_alias)::int AS aliases, (SELECT max(version) FROM lease)::int AS lease_version,
      (SELECT max(version) FROM parcel_flag)::int AS flag_version`)
    const flagId = (await db.one('SELECT max(id)::int AS id FROM parcel_flag')).id as number
    const leaseId = (await db.one('SELECT max(id)::int AS id FROM lease')).id as number
    const before = await counts()
    const reads = ['/api/rules', `/api/parcels/${PARCEL}/flags`, `/api/parcels/${PARCEL}/leases`]
    const writes: [string, string, object][] = [
      ['rule_version_added', '/api/rules/idle_days/versions', { county: A, value: 400, effective_from: '2031-01-01', note: 'n' }],
      ['flag_set', `/api/parcels/${PARCEL}/flags`, { kind: 'other', doc_no: 'd', set_on: '2025-01-01', reason: 'r' }],
      ['flag_cleared', `/api/parcels/${PARCEL}/flags/${flagId}/clear`, { cleared_on: '2025-10-01', doc_no: 'd', reason: 'r' }],
      ['lease_recorded', `/api/parcels/${PARCEL}/leases`, { landholder_code: HOLDER, tenant_code: TENANT, starts_on: '2026-01-01' }],
      ['lease_ended', `/api/parcels/${PARCEL}/leases/${leaseId}/end`, { ends_on: '2026-06-30' }],
      ['enterprise_created', '/api/enterprises', { credit_code: '91110000600037341L', name: '外来企业', county_code: A }],
      ['enterprises_merged', `/api/enterprises/${KEEP}/merge`, { from: HOLDER, note: 'n' }],
    ]
    for (const role of ['security', 'audit'] as const) {
      const actor = `${role}.officer_aw`
      const headers = await t.loginAs(role, null, actor)
      for (const url of reads) expect((await t.app.inject({ url, headers })).statusCode, `${role} GET ${url}`).toBe(403)
      for (const [kind, url, payload] of writes) {
        const res = await post(url, headers, payload)
        expect(res.statusCode, `${role} POST ${url}`).toBe(403)
        const events = await eventsOf(kind, actor)
        expect(events, `${role} ${kind}`).toHaveLength(1)
        expect(events[0]).toMatchObject({ actor, actor_role: role, result: 'refused', object: `POST ${url}`, detail: { status: 403 } })
      }
    }
    expect(await counts()).toEqual(before)
    expect(await db.oneOrNone("SELECT 1 FROM enterprise WHERE credit_code = '91110000600037341L'")).toBeNull()
  })
})
