/**
 * Staging: the features of an opened upload go into upload_feature, nothing into the
 * live tables. Each feature is mapped (field-mapping.ts), its geometry written as hex EWKB in its
 * source SRID (wkb.ts), and the rows streamed to PostgreSQL: by COPY FROM STDIN on a server, and
 * by multi-row INSERTs on the embedded database, whose socket (pglite-socket) loses protocol
 * synchronisation on COPY. Both land in a temporary table on one connection; one INSERT…SELECT
 * then transforms to CGCS2000 (EPSG:4490) and repairs in PostGIS (stage-insert.sql).
 *
 * Problems found here (null or damaged shapes, unclosed rings, values that do not convert) travel
 * with the feature as `issues`, so a bad record is listed in the report rather than aborting
 * the upload; problems with the file as a whole were already thrown by openUpload.
 */
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { from as copyFrom } from 'pg-copy-streams'
import type pg from 'pg'
import type { IBaseProtocol } from 'pg-promise'
import type { Db } from '../db/pgp'

/** One connection taken from the pool, for a transaction whose statements must share a session. */
export type Connection = Awaited<ReturnType<Db['connect']>>
import { ingestError } from './errors'
import { NO_JIT, uploadLayer } from '../db/repos/uploads/layers'
import { type FieldMapping, type LayerName, type MappedValue, applyMapping, proposeMapping, validateMapping } from './field-mapping'
import { type Issue, issue } from '../db/repos/uploads/issues'
import type { SourceFeature, UploadDescription, UploadReader } from './read-features'
import { toEwkbHex } from './wkb'

export interface MappingDecision {
  mapping: FieldMapping
  /** 'user' when the request carried a mapping, else proposed from the column names. */
  source: 'user' | 'proposed'
  unmappedSources: string[]
  truncatedMatches: { target: string; source: string }[]
}

/** The mapping to read with: the user's, checked, or the proposed one; throws 4xx when a
 * required field has no column (the report could only say the same about every feature). */
export function decideMapping(layer: LayerName, description: UploadDescription, userMapping?: Record<string, string | null>): MappingDecision {
  const fieldNames = [...new Set(description.sources.flatMap((s) => s.fieldNames))]
  if (userMapping && Object.keys(userMapping).length) {
    const mapping = validateMapping(layer, userMapping, fieldNames)
    const used = new Set(Object.values(mapping))
    return { mapping, source: 'user', unmappedSources: fieldNames.filter((n) => !used.has(n)), truncatedMatches: [] }
  }
  const proposed = proposeMapping(layer, fieldNames)
  if (proposed.missingRequired.length) {
    // A wrong encoding garbles Chinese field names (宗地编号 read as UTF-8 is 鈥︹€…): say so, and
    // which encoding would find the columns, rather than that the columns are missing.
    for (const source of description.sources) {
      for (const [encoding, names] of Object.entries(source.fieldNamesIf ?? {})) {
        const other = proposeMapping(layer, names)
        if (other.missingRequired.length >= proposed.missingRequired.length) continue
        throw ingestError('mapping_wrong_encoding', {
          layer, fields: proposed.missingRequired.join(', '), source: source.name, used: source.encoding?.encoding ?? '?',
          why: source.encoding?.reason ?? '', encoding, names: names.filter((n) => /[^\x00-\x7f]/.test(n)).slice(0, 4).join('、'),
        })
      }
    }
    // A wrong encoding garbles every Chinese column name, so no synonym matches: show the names
    // as read, and in which encoding, rather than only "not mapped".
    const found = description.sources.map((s) => `${s.fieldNames.slice(0, 12).join(', ') || '（无 / none）'}` +
      (s.encoding ? ` (read as ${s.encoding.encoding}: ${s.encoding.source})` : '')).join('; ')
    throw ingestError('mapping_missing_required', { layer, fields: proposed.missingRequired.join(', '), found })
  }
  return { mapping: proposed.mapping, source: 'proposed', unmappedSources: proposed.unmappedSources, truncatedMatches: proposed.truncatedMatches }
}

export interface StagedRow {
  idx: number
  source: string
  sourceIndex: number
  hex: string | null
  key: string | null
  countyCode: string | null
  values: Record<string, MappedValue>
  raw: Record<string, unknown>
  issues: Issue[]
}

const M2_PER_MU = 10000 / 15 // DOMAIN.md "Units and coordinates"

/** One source feature as a staging row: mapped values, EWKB geometry, and what is wrong with it. */
export function toStagedRow(layer: LayerName, mapping: FieldMapping, srid: number, f: SourceFeature): StagedRow {
  const issues: Issue[] = f.problems.map((p) => issue(p.code, p.message))
  let hex: string | null = null
  if (f.geometry) {
    const prepared = toEwkbHex(f.geometry, srid)
    hex = prepared.hex
    if (prepared.shortRings) issues.push(issue('ring_too_short'))
    else if (prepared.closedRings) issues.push(issue('ring_not_closed', prepared.closedRings))
  }
  const mapped = mapFeature(layer, mapping, f.properties)
  return { idx: f.index, source: f.source, sourceIndex: f.sourceIndex, hex, ...mapped, raw: f.properties, issues: [...issues, ...mapped.issues] }
}

/** The issues a mapping decides (the others come from reading the shape): a new mapping
 * replaces exactly these. */
export const MAPPING_ISSUES: readonly string[] = ['value_invalid', 'value_missing', 'county_code_invalid']

export interface MappedFeature {
  values: Record<string, MappedValue>
  key: string | null
  countyCode: string | null
  issues: Issue[]
}

/** A feature's attributes under a mapping: the typed values, the layer's key, the county code,
 * and what is wrong with them. */
export function mapFeature(layer: LayerName, mapping: FieldMapping, properties: Record<string, unknown>): MappedFeature {
  const issues: Issue[] = []
  const { values, errors } = applyMapping(layer, mapping, properties)
  for (const e of errors) {
    // applyMapping reports empty required fields too: those are "missing" (below), not "invalid".
    if (e.value === null || e.value === undefined || String(e.value).trim() === '') continue
    issues.push({ ...issue('value_invalid', e.message), detail: { field: e.target, source: e.source } })
  }
  const def = uploadLayer(layer)!
  const labels = new Map(def.fields.map((fd) => [fd.name, `${fd.label}（${fd.name}）`]))
  // values the table cannot be written without: a feature missing one is rejected in the report
  for (const field of def.commitRequired) {
    if (values[field] === null || values[field] === undefined) {
      if (!issues.some((i) => i.code === 'value_invalid' && (i.detail as { field?: string })?.field === field)) {
        issues.push({ ...issue('value_missing', labels.get(field) ?? field), detail: { field } })
      }
    }
  }
  // An area may be stated in 亩 or 公顷 instead of m² (the coordinate TXT states 公顷); the check and
  // the tables use m².
  if (values.stated_area_m2 == null) {
    if (typeof values.stated_area_mu === 'number') values.stated_area_m2 = values.stated_area_mu * M2_PER_MU
    else if (typeof values.stated_area_ha === 'number') values.stated_area_m2 = values.stated_area_ha * 10000
  }
  let countyCode: string | null = null
  if (typeof values.county_code === 'string') {
    const c = values.county_code.normalize('NFKC').trim()
    if (/^\d{6}$/.test(c)) countyCode = c
    else issues.push(issue('county_code_invalid', c))
  } else if (typeof values.county_code === 'number') {
    countyCode = String(values.county_code)
    if (!/^\d{6}$/.test(countyCode)) {
      issues.push(issue('county_code_invalid', countyCode))
      countyCode = null
    }
  }
  // the business key the layer's records are matched on (duplicates, existing records)
  let key = def.key && values[def.key] != null ? String(values[def.key]) : null
  if (key === null && def.keyFallback && values[def.keyFallback] != null) key = String(values[def.keyFallback])
  return { values, key, countyCode, issues }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** PostgreSQL's jsonb refuses \u0000, which a DBF padded with NULs can carry. JSON writes a NUL
 * as the escape \u0000, so only a text with that escape is written again without them (a
 * replacer on every value costs as much as the rest of the row). */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value)
  if (!text.includes('\\u0000')) return text
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.includes('\u0000') ? v.replace(/\u0000/g, '') : v))
}

/** A character COPY's text format escapes (or, a NUL, that no text column holds). */
const COPY_SPECIAL = /[\u0000\\\n\r\t]/
const COPY_ESCAPES: Record<string, string> = { '\u0000': '', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** COPY text format: backslash, newline, carriage return and tab are escaped; \N is null. */
function copyField(v: string | number | null): string {
  if (v === null) return '\\N'
  if (typeof v === 'number') return String(v)
  return COPY_SPECIAL.test(v) ? v.replace(/[\u0000\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : v
}

const RAW_COLUMNS = ['idx', 'source', 'source_index', 'src_geom', 'key', 'county_code', 'values', 'raw', 'issues'] as const

function rowFields(r: StagedRow): (string | number | null)[] {
  return [r.idx, r.source, r.sourceIndex, r.hex, r.key, r.countyCode, jsonText(r.values), jsonText(r.raw), jsonText(r.issues)]
}

export interface StageProgress {
  (done: number): void
}

export interface StageInput {
  uploadId: string
  layer: LayerName
  reader: UploadReader
  mapping: FieldMapping
  /** COPY (server) or multi-row INSERT (embedded). */
  useCopy: boolean
  onProgress?: StageProgress
}

export { NO_JIT }

const CREATE_RAW = `CREATE TEMP TABLE upload_raw (
  idx integer, source text, source_index integer, src_geom geometry, key text, county_code text,
  values jsonb, raw jsonb, issues jsonb) ON COMMIT DROP`

/** Stream every feature into staging in one transaction; returns how many were staged. On a
 * server the transaction is its own, on a connection of the pool (COPY needs the raw client);
 * `within` runs it in a transaction already open instead (the embedded database's single
 * connection, held by the staging job's own transaction), by multi-row INSERTs. `stageInsert`
 * moves the rows in and may refuse (throw) before the commit. */
export async function stageFeatures(db: Db, input: StageInput, stageInsert: (sco: IBaseProtocol<unknown>) => Promise<void>,
  within?: IBaseProtocol<unknown>): Promise<number> {
  const sridOf = new Map(input.reader.describe().sources.map((s) => [s.name, s.crs.epsg]))
  const rows = async function* (): AsyncGenerator<StagedRow> {
    for await (const f of input.reader.features()) {
      yield toStagedRow(input.layer, input.mapping, sridOf.get(f.source) ?? 4490, f)
    }
  }
  if (within) {
    if (input.useCopy) throw new Error('staging within an open transaction is by INSERT, not COPY')
    await within.none(NO_JIT)
    await within.none(CREATE_RAW)
    const n = await insertRows(db, within, rows(), input.onProgress)
    await stageInsert(within)
    await within.none('DROP TABLE upload_raw') // the checks follow in the same transaction
    return n
  }
  const sco = await db.connect()
  let n = 0
  let healthy = true
  try {
    await sco.none('BEGIN')
    await sco.none(NO_JIT)
    await sco.none(CREATE_RAW)
    n = input.useCopy ? await copyRows(sco.client, rows(), input.onProgress) : await insertRows(db, sco, rows(), input.onProgress)
    await stageInsert(sco)
    await sco.none('COMMIT')
  } catch (e) {
    // A connection that cannot even roll back (an abandoned COPY gone wrong) is not pooled again.
    await sco.none('ROLLBACK').catch(() => (healthy = false))
    throw e
  } finally {
    sco.done(!healthy)
  }
  return n
}

const PROGRESS_EVERY = 2000

async function copyRows(client: unknown, rows: AsyncGenerator<StagedRow>, onProgress?: StageProgress): Promise<number> {
  const stream = (client as pg.Client).query(copyFrom(`COPY upload_raw (${RAW_COLUMNS.join(', ')}) FROM STDIN`))
  const done = finished(stream)
  done.catch(() => undefined)
  let n = 0
  let chunk = ''
  try {
    for await (const r of rows) {
      chunk += rowFields(r).map(copyField).join('\t') + '\n'
      n++
      if (chunk.length > 1 << 16) {
        const ok = stream.write(chunk)
        chunk = ''
        if (!ok) await Promise.race([once(stream, 'drain'), done])
      }
      if (n % PROGRESS_EVERY === 0) onProgress?.(n)
    }
    if (chunk) stream.write(chunk)
    stream.end()
    await done
  } catch (e) {
    // Abandon the COPY (the client sends CopyFail) so the connection can roll back cleanly.
    if (!stream.destroyed) stream.destroy(e as Error)
    await done.catch(() => undefined)
    throw e
  }
  onProgress?.(n)
  return n
}

const INSERT_BATCH = 500

async function insertRows(db: Db, sco: IBaseProtocol<unknown>, rows: AsyncGenerator<StagedRow>, onProgress?: StageProgress): Promise<number> {
  const pgp = db.$config.pgp
  const cs = new pgp.helpers.ColumnSet([...RAW_COLUMNS], { table: 'upload_raw' })
  let batch: Record<string, unknown>[] = []
  let n = 0
  const flush = async () => {
    if (batch.length) await sco.none(pgp.helpers.insert(batch, cs))
    batch = []
  }
  for await (const r of rows) {
    const f = rowFields(r)
    batch.push(Object.fromEntries(RAW_COLUMNS.map((c, i) => [c, f[i]])))
    n++
    if (batch.length >= INSERT_BATCH) await flush()
    if (n % PROGRESS_EVERY === 0) onProgress?.(n)
  }
  await flush()
  onProgress?.(n)
  return n
}
