/** A new sensitive column is withheld everywhere without another line of code (DOMAIN.md
 * "Governance": enterprise tax, output and price reach only app.config.sensitiveRoles). On the
 * demo data, a column is added to the parcel, its development events and its contracts, named in
 * the one list of sensitive keys (sensitive_keys(), sql/functions/land-1-sensitive.sql: what a
 * developer adding such a column would change) and filled with a marker under a system writer,
 * so that the event log (一地一档) holds it as well; the JSON documents the product stores (measured
 * values, findings' and alerts' reasons, standard-land checks, a stored report) get the new key as
 * a rule or report that computed it would write it. Redaction is one SQL function keyed by that
 * list (redact_sensitive()), so nothing else changes. Then every GET operation of the OpenAPI
 * document — routes, every tile layer, every OGC collection, the exports (each collection, and
 * the parcels and contracts in every format), the reports — is called as each role
 * with valid values of the demo data, and every answer is searched for the marker (JSON and CSV
 * as text, xlsx unzipped, tiles as their bytes, where MVT keeps strings as they are). Roles
 * outside sensitiveRoles never get it; a sensitive role gets it (the plant does flow). */
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import yauzl from 'yauzl'
import { createTestApp, type TestApp } from './test/app'
import { budget } from './test/budget'
import { jobResult } from './test/jobs'
import { violations } from './test/response-schemas'
import type { Role } from './config'
import { LAYERS, LAYER_IDS } from './tiles'
import { COLLECTIONS } from './ogc/collections'
import { FORMAT_IDS } from './exports/formats'
import { generateDemo } from '../scripts/demo/generate'
import { loadDemo } from '../scripts/demo/load'

const MARKER = 'PLANTED-c0ffee-7f3a'
const COLUMN = 'planted_secret'
const COUNTY = '410311'

type Schema = { type?: string | string[]; enum?: unknown[]; default?: unknown; format?: string; minimum?: number; maximum?: number; anyOf?: Schema[] }
interface Parameter { in: 'path' | 'query' | 'header'; name: string; schema: Schema; required?: boolean }

let t: TestApp
const auth: Partial<Record<Role | 'anonymous', Record<string, string>>> = {}
const fx: Record<string, string | number> = {}
let paths: Record<string, Record<string, { parameters?: Parameter[] }>> = {}

beforeAll(async () => {
  // the analyst outside sensitiveRoles: a city-wide role that reads every report, finding and alert,
  // so that each reaches a reader who may not see the figures; the admin is the one who may
  t = await createTestApp({ ONEMAP_SENSITIVE_ROLES: 'admin' })
  const db = t.database.db
  await loadDemo(db, generateDemo({ parcels: 300, batches: 40, changes: 40 }))
  // The plant: three columns and one word in the one list, before anything is asked.
  await db.tx(async (tx) => {
    for (const table of ['parcel', 'development_event', 'supply_contract']) {
      await tx.none('ALTER TABLE $1:name ADD COLUMN $2:name text', [table, COLUMN])
    }
    const keys: string[] = (await tx.one('SELECT sensitive_keys() AS k')).k
    await tx.none(`CREATE OR REPLACE FUNCTION sensitive_keys() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1::text[] $$`
      .replace('$1::text[]', `ARRAY[${[...keys, COLUMN].map((k) => `'${k}'`).join(',')}]`))
  })
  await db.tx(async (tx) => {
    await tx.one("SELECT set_config('onemap.actor', 'system:plant', true)")
    await tx.none('UPDATE parcel SET $1:name = $2 WHERE county_code = $3', [COLUMN, MARKER, COUNTY])
    await tx.none('UPDATE development_event SET $1:name = $2', [COLUMN, MARKER])
    await tx.none('UPDATE supply_contract SET $1:name = $2', [COLUMN, MARKER])
  })
  auth.admin = await t.loginAs('admin', null)
  auth.analyst = await t.loginAs('analyst', null)
  for (const role of ['surveyor', 'inspector'] as Role[]) auth[role] = await t.loginAs(role, [COUNTY])
  // the duty roles see no land data (separated duties): the public's view at most
  for (const role of ['security', 'audit'] as Role[]) auth[role] = await t.loginAs(role, null)
  auth.anonymous = {}
  const one = async (sql: string) => Object.values(await db.one(sql))[0] as string | number
  // a parcel with a development event and a contract, so that every place the column may show is there
  fx.parcel = await one(`SELECT p.code FROM parcel p WHERE p.county_code = '${COUNTY}' AND p.retired_at IS NULL
    AND EXISTS (SELECT 1 FROM development_event d WHERE d.parcel_id = p.id) AND EXISTS (SELECT 1 FROM supply_contract c WHERE c.parcel_id = p.id)
    ORDER BY p.code LIMIT 1`)
  fx.batch = await one(`SELECT approval_no FROM approval_batch WHERE county_code = '${COUNTY}' ORDER BY approval_no LIMIT 1`)
  fx.contract = await one(`SELECT contract_no FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id WHERE p.code = '${fx.parcel}' ORDER BY contract_no LIMIT 1`)
  fx.standard = await one(`SELECT contract_no FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id WHERE p.county_code = '${COUNTY}' AND c.standard_land ORDER BY contract_no LIMIT 1`).catch(() => fx.contract!)
  fx.enterprise = await one(`SELECT land_user_code FROM supply_contract WHERE contract_no = '${fx.contract}'`)
  fx.cluster = await one(`SELECT code FROM cluster WHERE county_code = '${COUNTY}' ORDER BY code LIMIT 1`)
  fx.development = await one(`SELECT d.id FROM development_event d JOIN parcel p ON p.id = d.parcel_id WHERE p.code = '${fx.parcel}' ORDER BY d.id LIMIT 1`)
  fx.ledger = await one('SELECT id FROM disposal_ledger ORDER BY id LIMIT 1').catch(() => 1)
  await jobResult(t.app, await t.app.inject({ method: 'POST', url: '/api/alerts/scan', headers: auth.admin, payload: {} }), auth.admin!)
  fx.alert = await one('SELECT id FROM alert ORDER BY id LIMIT 1').catch(() => 1)
  fx.report = (await t.app.inject({ method: 'POST', url: '/api/reports', headers: auth.admin, payload: { kind: 'quarterly', period: '2024Q2' } })).json().id ?? 1
  fx.snapshot = (await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: auth.admin, payload: {} })).json().id ?? 'latest'
  await jobResult(t.app, await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: auth.admin, payload: {} }), auth.admin!)
  // The JSON documents the product stores carry the new figure too, as a rule, a scan or a report
  // that a developer taught to compute it would write it: the measured values of development
  // events, every finding's and remainder's reason, every alert's reason and finding, the measured
  // values and per-indicator results of standard-land checks, and the stored report (at its top and
  // inside each county). Written after the refresh and the scan, so that nothing rewrites them.
  await db.tx(async (tx) => {
    await tx.one("SELECT set_config('onemap.actor', 'system:plant', true)")
    const plant = { [COLUMN]: MARKER }
    await tx.none('UPDATE development_event SET measured = coalesce(measured, $1::jsonb) || $1::jsonb', [plant])
    for (const table of ['analysis.parcel_status', 'analysis.unsupplied_remainder', 'analysis.unsupplied_use']) {
      await tx.none('UPDATE $1:raw SET reason = reason || $2::jsonb', [table, plant])
    }
    await tx.none('UPDATE alert SET reason = coalesce(reason, $1::jsonb) || $1::jsonb, finding = coalesce(finding, $1::jsonb) || $1::jsonb', [plant])
    await tx.none(`UPDATE standard_land_check SET measured = measured || $1::jsonb,
                   results = results || jsonb_build_array(jsonb_build_object('indicator', $2::text, 'passed', true))`, [plant, COLUMN])
  })
  // a stored report is append-only (its trigger refuses an UPDATE): the plant writes it as the
  // report's generator would have, with the triggers of this one transaction off
  await db.tx(async (tx) => {
    const plant = { [COLUMN]: MARKER }
    await tx.none('SET LOCAL session_replication_role = replica')
    await tx.none(`UPDATE governance.report SET result = result || $1::jsonb WHERE id = $2`, [plant, fx.report])
    await tx.none(`UPDATE governance.report SET result = jsonb_set(result, '{counties}',
                     (SELECT jsonb_agg(c || $1::jsonb) FROM jsonb_array_elements(result -> 'counties') c))
                   WHERE id = $2 AND jsonb_typeof(result -> 'counties') = 'array'`, [plant, fx.report])
  })
  // the tile of the parcel at z14, where every layer of the county has features
  const c = await db.one(`SELECT ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat FROM parcel WHERE code = $1`, [fx.parcel])
  const n = 2 ** 14
  fx.z = 14
  fx.x = Math.floor(((c.lon + 180) / 360) * n)
  fx.y = Math.floor(((1 - Math.log(Math.tan((c.lat * Math.PI) / 180) + 1 / Math.cos((c.lat * Math.PI) / 180)) / Math.PI) / 2) * n)
  paths = (await t.app.inject({ url: '/docs/json' })).json().paths
}, budget(60_000))
afterAll(async () => t?.close())

function valueFor(name: string, path: string, schema: Schema): string | number | undefined {
  const byName: Record<string, string | number | undefined> = {
    code: path.startsWith('/api/clusters') ? fx.cluster : fx.parcel,
    no: path.includes('/batches') ? fx.batch : path.includes('/standard-land') ? fx.standard : fx.contract,
    credit_code: fx.enterprise, cluster: fx.cluster, county: COUNTY, year: 2024, photoId: 1, z: fx.z, x: fx.x, y: fx.y,
    id: path.includes('/alerts') ? fx.alert : path.includes('/reports') ? fx.report : path.includes('/disclosure') ? fx.snapshot
      : path.includes('/ledger') ? fx.ledger : path.includes('/development') ? fx.development : path.includes('/uploads') ? '00000000-0000-0000-0000-000000000000' : 1,
    asOf: '2024-06-30', period: '2024Q2', kind: path.startsWith('/api/reports') ? 'quarterly' : undefined,
    unit: 'city', figure: 'idle.disposed_ytd.codes', bbox: '112.3,34.5,112.6,34.8',
  }
  if (byName[name] !== undefined) return byName[name]
  const s = schema.anyOf?.find((b) => b.type !== 'null') ?? schema
  if (s.enum?.length) return s.enum[0] as string
  if (s.default !== undefined) return s.default as string
  if (s.format === 'date') return '2024-06-30'
  if (s.type === 'integer' || s.type === 'number') return Math.min(s.maximum ?? 1, Math.max(s.minimum ?? 1, 1))
  return undefined
}

/** Every GET of the document with valid values; a tile route once per layer. */
function requests(): { op: string; url: string }[] {
  const out: { op: string; url: string }[] = []
  for (const [path, methods] of Object.entries(paths)) {
    const get = methods.get
    if (!get) continue
    // a tile route once per layer; an OGC collection route once per collection; an export of
    // every collection as GeoJSON, and of the land with sensitive fields in every format
    type Variant = { layer: string | null; collection: string | null; format: string | null }
    const none: Variant = { layer: null, collection: null, format: null }
    // (DXF is left out: it needs a Gauss-Krüger crs, an optional parameter, and carries the code only)
    const variants: Variant[] = path.includes('{layer}')
      ? LAYER_IDS.map((layer) => ({ ...none, layer }))
      : path.includes('{collectionId}')
        ? COLLECTIONS.flatMap((c): Variant[] => (path.startsWith('/api/exports/') && ['parcels', 'contracts'].includes(c.id)
          ? FORMAT_IDS.filter((f) => f !== 'dxf').map((format) => ({ ...none, collection: c.id, format }))
          : [{ ...none, collection: c.id }]))
        : [none]
    for (const { layer, collection, format } of variants) {
      let url = path
      const query: string[] = []
      let complete = true
      for (const p of get.parameters ?? []) {
        if (p.in === 'header' || (p.in === 'query' && !p.required)) continue
        const v = p.name === 'layer' && layer ? layer : p.name === 'collectionId' && collection ? collection
          : p.name === 'format' && format ? format : valueFor(p.name, path, p.schema)
        if (v === undefined) { complete = false; break }
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(v)))
        else query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(String(v))}`)
      }
      const variant = [layer, collection, format].filter(Boolean).join(', ')
      if (complete) out.push({ op: `GET ${path}${variant ? ` (${variant})` : ''}`, url: url + (query.length ? `?${query.join('&')}` : '') })
    }
  }
  return out
}

/** The entries of a zip (an xlsx) inflated, joined. */
function unzipped(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(body, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err)
      const parts: string[] = []
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => { parts.push(Buffer.concat(chunks).toString('utf8')); zip.readEntry() })
        })
      })
      zip.on('end', () => resolve(parts.join('\n')))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

async function textOf(body: Buffer): Promise<string> {
  if (body[0] === 0x50 && body[1] === 0x4b) return unzipped(body) // PK: xlsx
  if (body[0] === 0x1f && body[1] === 0x8b) return zlib.gunzipSync(body).toString('latin1') // a gzipped tile
  return body.toString('utf8')
}

describe('a planted sensitive column', () => {
  it('reaches no role outside sensitiveRoles through any route, tile, export or report; a sensitive role gets it', { timeout: budget(30_000) }, async () => {
    const all = requests()
    const shown: Record<string, string[]> = {}
    const answered: Record<string, number> = {}
    const brokenBy: Record<string, string[]> = {}
    for (const who of ['anonymous', 'admin', 'analyst', 'surveyor', 'inspector', 'security', 'audit'] as const) {
      shown[who] = []
      answered[who] = 0
      for (const r of all) {
        const res = await t.app.inject({ method: 'GET', url: r.url, headers: auth[who] })
        expect(res.statusCode, `${who} ${r.op}: ${res.body.slice(0, 200)}`).toBeLessThan(500)
        if (res.statusCode !== 200) continue
        answered[who]++
        if ((await textOf(res.rawPayload)).includes(MARKER)) shown[who].push(r.op)
      }
      brokenBy[who] = violations.splice(0)
    }
    // the crawl is real: most operations answer, tiles and exports among them
    expect(all.length).toBeGreaterThan(60)
    expect(all.filter((r) => r.op.includes('/tiles/')).length).toBeGreaterThanOrEqual(LAYER_IDS.length)
    expect(all.filter((r) => r.op.startsWith('GET /api/exports/')).length).toBeGreaterThanOrEqual(COLLECTIONS.length)
    expect(all.filter((r) => r.op.startsWith('GET /ogc/collections/{collectionId}/items')).length).toBe(COLLECTIONS.length)
    expect(answered.surveyor).toBeGreaterThan(40)
    // withheld from the roles outside sensitiveRoles (here all but the admin) ...
    expect(shown.anonymous).toEqual([])
    expect(shown.analyst).toEqual([])
    expect(answered.analyst).toBeGreaterThan(answered.surveyor) // the reports, among others
    expect(shown.surveyor).toEqual([])
    expect(shown.inspector).toEqual([])
    expect(shown.security).toEqual([])
    expect(shown.audit).toEqual([])
    // ... and shown to those inside: the parcel's file (一地一档), its card and its export, the
    // alert, the findings' reasons, the report and its JSON file
    expect(shown.admin).toEqual(expect.arrayContaining([
      'GET /api/parcels/{code}/history', 'GET /api/parcels/{code}', 'GET /api/parcels/{code}/export.xlsx', 'GET /api/alerts/{id}',
      'GET /api/analysis/unsupplied', 'GET /api/reports/{id}', 'GET /api/reports/{id}/export.json',
    ]))
    // The card passes a development event's row through (to_jsonb), so a sensitive role's card
    // carries the new column, which the published schema does not list yet: that is the schema's
    // to describe, not redaction's. Only those answers, and only for sensitive roles, break it.
    const cardEvents = /^GET \/api\/parcels\/:code(\/development\/:id)? → 200: (data\/properties\/development\/events\/\d+ must NOT have additional properties(; )?)+$/
    expect(brokenBy.admin!.filter((v) => !cardEvents.test(v))).toEqual([])
    for (const who of ['anonymous', 'analyst', 'surveyor', 'inspector', 'security', 'audit'] as const) expect(brokenBy[who]).toEqual([])
  })
})

describe('the attribute lists of tiles, OGC collections and exports', () => {
  // Tiles, OGC items and exports name their attributes (an allow-list: a new column reaches none of
  // them until it is listed). An attribute that reads a key of sensitive_keys() is listed for the
  // sensitive roles only, so that the one list of sensitive keys decides there as well.
  it('list every attribute that reads a sensitive key as visible to sensitive roles only', async () => {
    const keys: string[] = (await t.database.db.one('SELECT sensitive_keys() AS k')).k
    expect(keys).toContain(COLUMN) // the plant above: a new key is in the list the check reads
    const reads = (a: { name: string; sql: string }) => [a.name, ...(a.sql.match(/\w+/g) ?? [])].some((w) => keys.includes(w))
    const open = [...LAYERS, ...COLLECTIONS].flatMap((l) => l.attributes.filter((a) => reads(a) && a.visibleTo !== 'sensitive').map((a) => `${l.id}.${a.name}`))
    expect(open).toEqual([])
    // the check sees what it must: the price, tax and output attributes read sensitive keys
    const guarded = [...LAYERS, ...COLLECTIONS].flatMap((l) => l.attributes.filter(reads).map((a) => `${l.id}.${a.name}`))
    expect(guarded.length).toBeGreaterThanOrEqual(4)
    // and would fail on an attribute listed for everyone that reads one
    expect(reads({ name: 'x', sql: `p.${COLUMN}::text` })).toBe(true)
  })
})
