/** Hostile input, generated from the OpenAPI document (/docs/json): every parameter of every
 * operation — path, query, If-Match, each property of a JSON body — gets hostile values (NUL,
 * very long strings, Infinity, -1, huge integers, impossible dates, ../, unicode, SQL
 * metacharacters, wrong types, and more drawn by fast-check), the other parameters valid, as each
 * role (anonymous, admin, analyst, surveyor, inspector, and the duty roles security and audit) on the demo data: the first role that may
 * call a route gets every named value, the others the cases the issue names, a role turned away at
 * the door a few. Asserted for every request: no 5xx; and no change to any table unless the
 * request was an accepted (2xx) write — every table notes the statements that changed a row of it
 * (server/test/write-watch.ts), and a noted table is judged by the checksum of its content (a row
 * rewritten with the same values is no change). security_event is left out: recording refused
 * logins is its purpose. A request that may be an accepted write (a write operation, as a role the
 * route lets in) is sent alone and judged alone; all others — reads, and whatever a role turned
 * away at the door sends — must write nothing, and go several at a time, judged per group.
 * The multipart and file bodies have their own test (hostile-multipart.test.ts). HOSTILE_ONLY=<regex
 * of "METHOD /path"> runs some operations only, to look into one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Response as InjectResponse } from 'light-my-request'
import { createTestApp, type TestApp } from './test/app'
import { budget } from './test/budget'
import { jobResult, settleJobs } from './test/jobs'
import { WriteWatch } from './test/write-watch'
import type { Role } from './config'
import { generateDemo } from '../scripts/demo/generate'
import { loadDemo } from '../scripts/demo/load'

type Schema = {
  type?: string | string[]; enum?: unknown[]; const?: unknown; format?: string; pattern?: string; default?: unknown
  minimum?: number; maximum?: number; minLength?: number; maxLength?: number; items?: Schema; properties?: Record<string, Schema>
  required?: string[]; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; nullable?: boolean; additionalProperties?: unknown
}
interface Parameter { in: 'path' | 'query' | 'header'; name: string; schema: Schema; required?: boolean }
interface Operation {
  method: string; path: string; parameters: Parameter[]
  body: Schema | null
}

const WHO = ['anonymous', 'admin', 'analyst', 'surveyor', 'inspector', 'security', 'audit'] as const
type Who = (typeof WHO)[number]

/** A JSON number the JSON text carries but JSON.stringify cannot write (1e999 parses to Infinity). */
class RawJson { constructor(readonly text: string) {} }

/** The named cases: every parameter gets each of them, as every role that may call the route. */
const NAMED: unknown[] = [
  '\u0000', 'a\u0000b', 'x'.repeat(10_000), '地'.repeat(3000), '',
  'Infinity', 'NaN', '-1', '0', '1.5', '99999999999999999999', '1e309', '9007199254740993',
  '0000-01-01', '2026-02-30', '2101-01-01',
  '../../../etc/passwd', '\\', "' OR '1'='1", "'; DROP TABLE parcel; --", '%', '_', '$1', ':name',
  '😀𝌆', '\uFFFF', '<script>alert(1)</script>', '[]', '1,2,3,4',
]
/** More named values, drawn among by fast-check with the rest (not every one to every parameter). */
const MORE_NAMED = [
  '%00', ' ', '-Infinity', '-99999999999999999999', '1899-12-31', '9999-12-31', '2024-13-01', '2024-06-30T25:00:00Z',
  '..', '/', '\u202Etxt.exe', 'null', 'true', '{}', ',,,', '*', 'latest', '\t', '\r\n', '%2e%2e%2f', '0x10', '1e-400',
]
/** Wrong types and extremes only a JSON body can carry. */
const NAMED_JSON: unknown[] = [
  new RawJson('1e999'), new RawJson('-1e999'), -1, 0, 2 ** 63, -(2 ** 63), 1e20, 1.5, true, false, null, [], {}, [[['x']]],
  { a: { b: { c: [1] } } }, ['\u0000'], { '\u0000': 1 }, '\uD800',
]

/** The cases the issue names, for every role that may call the route (the first such role gets
 * all of NAMED and NAMED_JSON): NUL, a very long string, Infinity, -1, a huge integer, 0000-01-01,
 * 2026-02-30, ../, unicode, SQL metacharacters, wrong types. */
const ISSUE_NAMED: unknown[] = [
  '\u0000', 'x'.repeat(10_000), 'Infinity', '-1', '99999999999999999999', '0000-01-01', '2026-02-30', '../../../etc/passwd',
  '😀𝌆', "'; DROP TABLE parcel; --", '[]',
]
const ISSUE_NAMED_JSON: unknown[] = [new RawJson('1e999'), 2 ** 63, true, {}, null]

/** A role the route turns away at the door (401/403) gets these only: its request never reaches the input. */
const AT_THE_DOOR: unknown[] = ['\u0000', 'x'.repeat(10_000), 'Infinity', '0000-01-01', '../../../etc/passwd']

/** More hostile values drawn by fast-check (seeded: the same every run). */
const drawn = fc.oneof(
  fc.constantFrom(...MORE_NAMED),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\'', '"', '\\', '%', '_', ';', '-', '/', '.', '\u3000', '地', '😀'), maxLength: 12 }),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double().map(String),
  fc.date({ min: new Date(-8e15), max: new Date(8e15), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
)

const ROUTE_ORDER = (a: Operation, b: Operation) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`)

let t: TestApp
let watch: WriteWatch
let doc: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>> }
const auth: Partial<Record<Who, Record<string, string>>> = {}
/** Valid values of the demo data, by parameter name (and path where the name is ambiguous). */
const fx: Record<string, string | number> = {}

beforeAll(async () => {
  t = await createTestApp()
  await loadDemo(t.database.db, generateDemo({ parcels: 300, batches: 40, changes: 40 }))
  auth.admin = await t.loginAs('admin', null)
  for (const role of ['analyst', 'surveyor', 'inspector'] as const) auth[role] = await t.loginAs(role, ['410311'])
  for (const role of ['security', 'audit'] as const) auth[role] = await t.loginAs(role, null)
  auth.anonymous = {}
  const db = t.database.db
  const one = async (sql: string) => Object.values(await db.one(sql))[0] as string | number
  fx.parcel = await one(`SELECT code FROM parcel WHERE county_code = '410311' AND retired_at IS NULL ORDER BY code LIMIT 1`)
  fx.batch = await one(`SELECT approval_no FROM approval_batch WHERE county_code = '410311' ORDER BY approval_no LIMIT 1`)
  fx.contract = await one(`SELECT contract_no FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id WHERE p.county_code = '410311' ORDER BY contract_no LIMIT 1`)
  fx.standard = await one(`SELECT contract_no FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id WHERE p.county_code = '410311' AND c.standard_land ORDER BY contract_no LIMIT 1`).catch(() => fx.contract!)
  fx.enterprise = await one(`SELECT credit_code FROM enterprise ORDER BY credit_code LIMIT 1`)
  fx.cluster = await one(`SELECT code FROM cluster WHERE county_code = '410311' ORDER BY code LIMIT 1`)
  fx.development = await one(`SELECT d.id FROM development_event d WHERE d.parcel_id = (SELECT id FROM parcel WHERE code = '${fx.parcel}') ORDER BY id LIMIT 1`).catch(() => 1)
  fx.ledger = await one(`SELECT id FROM disposal_ledger ORDER BY id LIMIT 1`).catch(() => 1)
  // alerts, a report and a disclosure snapshot, made as a user would
  await jobResult(t.app, await t.app.inject({ method: 'POST', url: '/api/alerts/scan', headers: auth.admin, payload: {} }), auth.admin!)
  fx.alert = await one(`SELECT id FROM alert ORDER BY id LIMIT 1`).catch(() => 1)
  const report = await t.app.inject({ method: 'POST', url: '/api/reports', headers: auth.admin, payload: { kind: 'quarterly', period: '2024Q2' } })
  fx.report = report.json().id ?? 1
  const snapshot = await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: auth.admin, payload: {} })
  fx.snapshot = snapshot.json().id ?? 'latest'
  // today's analysis snapshot, which the readers serve when no asOf is given, as after a start
  await jobResult(t.app, await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: auth.admin, payload: {} }), auth.admin!)
  // and the follow-on job it queued (the summary's past remainders), before the tables are watched
  await settleJobs(db)
  const res = await t.app.inject({ url: '/docs/json' })
  doc = res.json()
  // recording refused logins is security_event's purpose
  watch = await WriteWatch.install(t.database.db, ['public.security_event'])
}, budget(60_000))
afterAll(async () => t?.close())

// ---------------------------------------------------------------- valid values

/** A valid value for a parameter, from the demo data by its name and path, else from its schema. */
function validFor(name: string, schema: Schema, path: string): unknown {
  const byName: Record<string, unknown> = {
    code: path.startsWith('/api/clusters') ? fx.cluster : fx.parcel,
    no: path.includes('/batches') ? fx.batch : path.includes('/standard-land') ? fx.standard : fx.contract,
    credit_code: fx.enterprise, cluster: fx.cluster, county: '410311', layer: 'parcels', year: 2024, photoId: 1,
    id: path.includes('/alerts') ? fx.alert : path.includes('/reports') ? fx.report : path.includes('/disclosure') ? fx.snapshot
      : path.includes('/ledger') ? fx.ledger : path.includes('/development') ? fx.development : path.includes('/uploads') ? '00000000-0000-0000-0000-000000000000' : 1,
    z: 14, x: 13407, y: 6553, 'if-match': '*', asOf: '2024-06-30', period: '2024Q2', kind: path.startsWith('/api/reports') ? 'quarterly' : undefined,
    username: 'hostile.user', password: 'not-the-password', unit: 'city', figure: 'idle.disposed_ytd.codes', bbox: '112.3,34.5,112.6,34.8',
  }
  if (byName[name] !== undefined) return byName[name]
  return fromSchema(schema)
}

function fromSchema(s: Schema): unknown {
  if (s.const !== undefined) return s.const
  if (s.enum?.length) return s.enum[0]
  if (s.default !== undefined) return s.default
  const branch = s.anyOf ?? s.oneOf
  if (branch?.length) return fromSchema(branch.find((b) => b.type !== 'null') ?? branch[0]!)
  const type = [s.type].flat()[0]
  switch (type) {
    case 'string': return s.format === 'date' ? '2024-06-30' : s.format === 'date-time' ? '2024-06-30T08:00:00+08:00' : 'x'.repeat(Math.max(1, s.minLength ?? 1))
    case 'integer': case 'number': return Math.min(s.maximum ?? 1, Math.max(s.minimum ?? 1, 1))
    case 'boolean': return false
    case 'array': return s.items ? [fromSchema(s.items)] : []
    case 'object': return Object.fromEntries((s.required ?? []).map((k) => [k, fromSchema(s.properties?.[k] ?? {})]))
    default: return null
  }
}

// ---------------------------------------------------------------- requests

function operations(): Operation[] {
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const json = op.requestBody?.content['application/json']?.schema ?? null
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: json })
    }
  }
  return ops.sort(ROUTE_ORDER)
}

/** The targets of an operation: its parameters and the properties of its JSON body. */
function targets(op: Operation): { where: 'path' | 'query' | 'header' | 'body'; name: string }[] {
  return [
    ...op.parameters.map((p) => ({ where: p.in, name: p.name })),
    ...Object.keys(op.body?.properties ?? {}).map((name) => ({ where: 'body' as const, name })),
  ]
}

function buildRequest(op: Operation, target: { where: string; name: string }, value: unknown) {
  let url = op.path
  const query: string[] = []
  const headers: Record<string, string> = {}
  for (const p of op.parameters) {
    const hostile = target.where === p.in && target.name === p.name
    // lists are asked for two rows: what is tested is the input, not the size of the answer
    const small = !hostile && p.in === 'query' && p.name === 'limit'
    if (!hostile && !small && !p.required && p.in !== 'path') continue
    const v = hostile ? value : small ? 2 : validFor(p.name, p.schema, op.path)
    if (v instanceof RawJson || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) return null
    const text = String(v)
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(text))
    else if (p.in === 'query') query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(text)}`)
    else headers[p.name] = text
  }
  let payload: string | undefined
  if (op.body) {
    const body = fromSchema(op.body) as Record<string, unknown>
    for (const name of Object.keys(op.body.properties ?? {})) {
      const fill = validFor(name, op.body.properties![name]!, op.path)
      if (fill !== undefined && (op.body.required ?? []).includes(name)) body[name] = fill
    }
    let raw: string | null = null
    if (target.where === 'body') {
      if (value instanceof RawJson) {
        body[target.name] = '__RAW__'
        raw = value.text
      } else body[target.name] = value
    }
    payload = JSON.stringify(body)
    if (raw) payload = payload.replace('"__RAW__"', raw)
    headers['content-type'] = 'application/json'
  }
  return { method: op.method, url: url + (query.length ? `?${query.join('&')}` : ''), headers, payload }
}

// ---------------------------------------------------------------- sending and judging

/** Requests in flight at once, for the requests that must write nothing (see `sweep`). */
const IN_FLIGHT = 8

interface Findings {
  serverErrors: string[]; unexpectedWrites: string[]; accepted: string[]; requests: number; skipped: number; checks: number
  /** Cases sent alone and in groups, and the time each way took (ms). */
  alone: number; aloneMs: number; grouped: number; groupedMs: number
}
const newFindings = (): Findings => ({ serverErrors: [], unexpectedWrites: [], accepted: [], requests: 0, skipped: 0, checks: 0, alone: 0, aloneMs: 0, grouped: 0, groupedMs: 0 })

interface Case { target: { where: string; name: string }; value: unknown }

let address = 0

/** Sends one case; null when the value is one no HTTP client can send. */
async function send(op: Operation, who: Who, c: Case, found: Findings): Promise<{ what: string; status: number } | null> {
  const req = buildRequest(op, c.target, c.value)
  if (!req) return null
  // every request from an address of its own: the login throttle is not what is tested here
  address++
  const remoteAddress = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`
  let res: InjectResponse
  try {
    res = await t.app.inject({ ...req, headers: { ...req.headers, ...auth[who] }, remoteAddress })
  } catch (e) {
    // a value no HTTP client can send (a header with a control character, a lone surrogate in a URL)
    if (/Invalid character|URI malformed|header/i.test(String(e))) { found.skipped++; return null }
    throw e
  }
  found.requests++
  // an accepted write may leave a job of the job table behind it (a 202's work, an upload commit's
  // settling step): what that job writes is this request's, so it is waited for before the look
  if (res.statusCode < 300 && req.method !== 'GET' && req.method !== 'HEAD') await settleJobs(t.database.db)
  const what = `${op.method} ${op.path} as ${who}, ${c.target.where} ${c.target.name} = ${show(c.value)} → ${res.statusCode}`
  if (res.statusCode >= 500) found.serverErrors.push(`${what}: ${res.body.slice(0, 200)}`)
  return { what, status: res.statusCode }
}

/** Sends the cases of one operation as one role, and judges what each changed. A request that may
 * be an accepted write (a write operation, as a role the route lets in) is sent alone and the
 * tables are looked at after it: a change counts as accepted when it answered 2xx, else as
 * unexpected. Every other request must write nothing: those go IN_FLIGHT at a time, the tables are
 * looked at after each group, and a change is unexpected, named with every request of its group. */
async function sweep(op: Operation, who: Who, inside: boolean, cases: Case[], found: Findings): Promise<void> {
  const write = op.method !== 'GET' && op.method !== 'HEAD'
  const started = Date.now()
  if (write && inside) {
    found.alone += cases.length
    for (const c of cases) {
      const sent = await send(op, who, c, found)
      // a value no client can send: nothing happened, and the next look sees what did meanwhile
      if (!sent) continue
      const diff = await look(found)
      if (diff.length === 0) continue
      if (sent.status < 300) found.accepted.push(`${sent.what}: ${diff.join(', ')}`)
      else found.unexpectedWrites.push(`${sent.what} changed ${diff.join(', ')}`)
    }
    found.aloneMs += Date.now() - started
    return
  }
  found.grouped += cases.length
  for (let i = 0; i < cases.length; i += IN_FLIGHT) {
    const group = await Promise.all(cases.slice(i, i + IN_FLIGHT).map((c) => send(op, who, c, found)))
    const diff = await look(found)
    if (diff.length) found.unexpectedWrites.push(`one of ${group.filter(Boolean).map((s) => s!.what).join(' | ')} changed ${diff.join(', ')}`)
  }
  found.groupedMs += Date.now() - started
}

async function look(found: Findings): Promise<string[]> {
  found.checks++
  return watch.changed()
}

const show = (v: unknown) => (v instanceof RawJson ? v.text : JSON.stringify(v) ?? String(v)).slice(0, 60)

/** The routes' declared access, by the OpenAPI operation. */
function accessOf(op: Operation) {
  const route = op.path.replace(/\{([^}]+)\}/g, ':$1')
  return t.app.routeAccess.get(`${op.method} ${route}`) ?? t.app.routeAccess.get(`${op.method} ${route.replace(/\/$/, '')}`)
}

describe('hostile input to every parameter of every operation of the OpenAPI document', () => {
  it('its write check names a changed table, in both ways of sending, and not a row rewritten with the same values', async () => {
    const ops = operations()
    const read = ops.find((op) => op.method === 'GET' && op.path === '/api/parcels/{code}')!
    const write = ops.find((op) => op.method === 'PATCH' && op.path === '/api/parcels/{code}')!
    expect(read && write).toBeTruthy()
    const unknown: Case = { target: { where: 'path', name: 'code' }, value: 'NO-SUCH-PARCEL' }
    const county = (name: string) => t.database.db.none(`UPDATE county SET name = $1 WHERE code = '410311'`, [name])
    const { name } = await t.database.db.one(`SELECT name FROM county WHERE code = '410311'`)
    const settle = async () => { await county(name); await look(newFindings()) }
    await settle()

    // a write during a group of reads: the group is named
    let found = newFindings()
    await county('洛龙区·改')
    await sweep(read, 'analyst', true, Array(3).fill(unknown), found)
    expect(found.unexpectedWrites).toEqual([expect.stringMatching(/^one of GET \/api\/parcels\/\{code\} as analyst, .* → 404 \| .* changed public\.county$/)])
    await settle()
    // a write beside a write request that was refused: the request is named
    found = newFindings()
    await county('洛龙区·改')
    await sweep(write, 'admin', true, [unknown], found)
    expect(found.unexpectedWrites).toEqual([expect.stringMatching(/^PATCH \/api\/parcels\/\{code\} as admin, path code = "NO-SUCH-PARCEL" → 4\d\d changed public\.county$/)])
    await settle()
    // a row rewritten with the same values, a write rolled back, a change undone: no change
    found = newFindings()
    await t.database.db.none(`UPDATE county SET name = name WHERE code = '410311'`)
    await expect(t.database.db.tx(async (tx) => {
      await tx.none(`UPDATE county SET name = 'x' WHERE code = '410311'`)
      throw new Error('rolled back')
    })).rejects.toThrow('rolled back')
    await county('洛龙区·改')
    await county(name)
    await sweep(read, 'analyst', true, [unknown], found)
    await sweep(write, 'admin', true, [unknown], found)
    expect(found.unexpectedWrites).toEqual([])
    expect(found.serverErrors).toEqual([])
    expect(found.requests).toBe(2)
  })

  // ~44 000 requests and the checksums of ~600 accepted writes: ~55 s on an idle machine
  it('never answers 5xx, and changes no table unless it accepted a write', { timeout: budget(60_000) }, async () => {
    const started = Date.now()
    const ops = operations().filter((op) => !(op.method === 'POST' && op.path === '/api/auth/logout'))
    const found = newFindings()
    const slowest: [number, string][] = []
    let seedCount = 0
    const debug = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : null
    await look(found)
    for (const op of ops) {
      if (debug && !debug.test(`${op.method} ${op.path}`)) continue
      const opStarted = Date.now()
      const list = targets(op)
      if (list.length === 0) continue
      const access = accessOf(op)
      expect(access, `${op.method} ${op.path} declares who may call it`).toBeDefined()
      const first = WHO.find((w) => access === 'public' || (w !== 'anonymous' && access!.includes(w)))
      for (const who of WHO) {
        const inside = access === 'public' || (who !== 'anonymous' && access!.includes(who))
        const cases: Case[] = []
        for (const target of list) {
          const values = !inside ? AT_THE_DOOR
            : who === first ? (target.where === 'body' ? [...NAMED, ...NAMED_JSON] : NAMED)
              : (target.where === 'body' ? [...ISSUE_NAMED, ...ISSUE_NAMED_JSON] : ISSUE_NAMED)
          for (const value of values) cases.push({ target, value })
        }
        seedCount += cases.length
        // and values fast-check draws (seeded: the same every run), for the roles that get past the door
        if (inside) for (const [target, value] of fc.sample(fc.tuple(fc.constantFrom(...list), drawn), { seed: 15, numRuns: 12 })) cases.push({ target, value })
        await sweep(op, who, inside, cases, found)
      }
      slowest.push([Date.now() - opStarted, `${op.method} ${op.path}`])
    }
    slowest.sort((a, b) => b[0] - a[0])
    console.log(`slowest operations: ${slowest.slice(0, 12).map(([ms, op]) => `${op} ${(ms / 1000).toFixed(1)} s`).join('; ')}; ${found.checks} looks at the tables; ` +
      `${found.alone} cases sent alone in ${(found.aloneMs / 1000).toFixed(0)} s, ${found.grouped} in groups of ${IN_FLIGHT} in ${(found.groupedMs / 1000).toFixed(0)} s`)
    const seconds = (Date.now() - started) / 1000
    console.log(`hostile input: ${ops.length} operations, ${ops.reduce((n, op) => n + targets(op).length, 0)} parameters, ` +
      `${WHO.length} roles, ${NAMED.length} named values (+${NAMED_JSON.length} JSON-only), ${seedCount} named cases; ` +
      `${found.requests} requests sent (${found.skipped} values no client can send), ${found.accepted.length} accepted writes, in ${seconds.toFixed(0)} s`)
    expect(found.serverErrors.slice(0, 40), `${found.serverErrors.length} answers 5xx`).toEqual([])
    expect(found.unexpectedWrites.slice(0, 40), `${found.unexpectedWrites.length} refused requests or reads that changed a table`).toEqual([])
  })
})
