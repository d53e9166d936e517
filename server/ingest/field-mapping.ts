/**
 * Map an upload's attribute columns onto a layer's fields, and turn values into typed ones.
 *
 * County offices name the same thing many ways (宗地编号, ZDBH, 宗地代码, PARCEL_NO), and the
 * DBF format cuts field names at 10 bytes, so 约定动工日期 arrives as 约定动工日 (GBK) or 约定动
 * (UTF-8). We propose a mapping from a synonym table, the user confirms or corrects it in the
 * upload form, and validateMapping checks what comes back before anything is read with it.
 *
 * Fields beyond the brief (parcels.stated_area_ha, contracts.parcel_code and
 * contracts.stated_area_m2, batches.county_code and batches.stated_area_m2, the clusters
 * layer, plan_zones.name/code, changes.code) are there because the uploads carry them and a
 * county official would expect them kept; they are all optional.
 */
import { ingestError } from './errors'
import { type LayerName, uploadLayer } from '../db/repos/uploads/layers'
import { LAYERS } from '../db/repos/uploads/layer-names'
import { type EnumValue, type FieldType, LAYER_FIELDS, type TargetField, normaliseName } from '../db/repos/uploads/fields'

export { LAYERS, LAYER_FIELDS, normaliseName, type EnumValue, type FieldType, type LayerName, type TargetField }


/** target field → source column (as it appears in the upload). */
export type FieldMapping = Record<string, string>

export interface ProposedMapping {
  mapping: FieldMapping
  /** Source columns no target claimed; the form lists them for manual mapping. */
  unmappedSources: string[]
  /** Required targets no source matched. */
  missingRequired: string[]
  /** Targets matched through a name the DBF cut at 10 bytes, to show the user. */
  truncatedMatches: { target: string; source: string }[]
}

/** The target fields of a layer of the registry (server/db/repos/uploads/layers.ts); 400
 * layer_unknown for a name that is none. */
export function layerFields(layer: string): readonly TargetField[] {
  const def = uploadLayer(layer)
  if (!def) throw ingestError('layer_unknown', { layer })
  return def.fields
}


const hasNonAscii = (s: string) => /[^\x00-\x7f]/.test(s)

/** Was this name probably cut by the DBF's 10-byte limit? */
const looksTruncated = (s: string) => (hasNonAscii(s) ? [...s].length >= 3 : s.length === 10)

export function proposeMapping(layer: LayerName, sourceFieldNames: readonly string[]): ProposedMapping {
  const fields = layerFields(layer)
  const mapping: FieldMapping = {}
  const claimed = new Set<string>()
  const truncatedMatches: ProposedMapping['truncatedMatches'] = []

  // Exact matches first, best synonym first: with both 面积 and ZDMJ present, the earlier
  // synonym in the table wins and the other stays unmapped for the user to see.
  for (const field of fields) {
    for (const syn of field.synonyms.map(normaliseName)) {
      const source = sourceFieldNames.find((s) => !claimed.has(s) && normaliseName(s) === syn)
      if (source) {
        mapping[field.name] = source
        claimed.add(source)
        break
      }
    }
  }
  // Then names the DBF cut short, when the prefix points at exactly one target.
  for (const source of sourceFieldNames) {
    if (claimed.has(source)) continue
    const s = normaliseName(source)
    if (!looksTruncated(s)) continue
    // 用地面 (UTF-8 cut of 用地面积) also begins 用地面积(亩): a cut name stands for the plain
    // synonym unless the cut itself kept the bracket, and then it must point at one target.
    const qualified = (syn: string) => syn.includes('(')
    const extends_ = (syn: string) => syn.startsWith(s) && syn !== s && (s.includes('(') || !qualified(syn))
    const targets = fields.filter((fd) => fd.synonyms.map(normaliseName).some(extends_))
    if (targets.length === 1 && !mapping[targets[0].name]) {
      mapping[targets[0].name] = source
      claimed.add(source)
      truncatedMatches.push({ target: targets[0].name, source })
    }
  }
  return {
    mapping,
    unmappedSources: sourceFieldNames.filter((s) => !claimed.has(s)),
    missingRequired: fields.filter((fd) => fd.required && !mapping[fd.name]).map((fd) => fd.name),
    truncatedMatches,
  }
}

/**
 * Check a mapping the user sent back. Throws layer_unknown, mapping_unknown_target,
 * mapping_unknown_source or mapping_missing_required, each naming the field. Returns the
 * mapping with source names spelled as in the upload and empty entries dropped.
 */
export function validateMapping(
  layer: string,
  userMapping: Record<string, string | null | undefined>,
  sourceFieldNames: readonly string[],
): FieldMapping {
  const fields = layerFields(layer)
  const out: FieldMapping = {}
  for (const [target, source] of Object.entries(userMapping)) {
    if (!fields.some((fd) => fd.name === target)) throw ingestError('mapping_unknown_target', { layer, field: target })
    if (source == null || source.trim() === '') continue
    const exact = sourceFieldNames.find((s) => s === source)
    const loose = sourceFieldNames.filter((s) => normaliseName(s) === normaliseName(source))
    const actual = exact ?? (loose.length === 1 ? loose[0] : undefined)
    if (actual === undefined) throw ingestError('mapping_unknown_source', { field: source, target })
    out[target] = actual
  }
  const missing = fields.filter((fd) => fd.required && !out[fd.name]).map((fd) => fd.name)
  if (missing.length) throw ingestError('mapping_missing_required', { layer, fields: missing.join(', ') })
  return out
}

// ---------------------------------------------------------------------------------------------
// Values

export type MappedValue = string | number | null

export interface FieldError {
  target: string
  source: string | null
  value: unknown
  /** Chinese first, English after. */
  message: string
}

export interface MappedRecord {
  values: Record<string, MappedValue>
  errors: FieldError[]
}

/** Typed values for one record: text trimmed, numbers as numbers, dates as 'YYYY-MM-DD', enums canonical. */
export function applyMapping(layer: LayerName, mapping: FieldMapping, record: Record<string, unknown>): MappedRecord {
  const values: Record<string, MappedValue> = {}
  const errors: FieldError[] = []
  for (const field of layerFields(layer)) {
    const source = mapping[field.name] ?? null
    const raw = source === null ? null : record[source]
    const result = convert(field, raw)
    if (typeof result === 'object' && result !== null) {
      values[field.name] = null
      errors.push({ target: field.name, source, value: raw, message: result.error })
      continue
    }
    values[field.name] = result
    if (result === null && field.required) {
      errors.push({
        target: field.name,
        source,
        value: raw,
        message: `必填字段 ${field.label}（${field.name}）为空 / the required field ${field.name} is empty`,
      })
    }
  }
  return { values, errors }
}

type Converted = MappedValue | { error: string }

function convert(field: TargetField, raw: unknown): Converted {
  if (raw === null || raw === undefined) return null
  if (typeof raw === 'string' && raw.trim() === '') return null
  switch (field.type) {
    case 'text':
      if (raw instanceof Date) return isoDate(raw)
      // A GeoJSON property may be an object, an array or a boolean: String() of it would commit a
      // parcel coded "[object Object]". Text fields take text, or a number written as text.
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        const shown = JSON.stringify(raw)?.slice(0, 60) ?? String(raw)
        return {
          error: `${field.label}（${field.name}）的值 ${shown} 不是文字或数字 / ${field.name}: ${shown} is ${Array.isArray(raw) ? 'an array' : typeof raw === 'object' ? 'an object' : `a ${typeof raw}`}, not text or a number`,
        }
      }
      return String(raw).trim()
    case 'number':
      return toNumber(field, raw)
    case 'date':
      return toDate(field, raw)
    case 'enum':
      return toEnum(field, raw)
  }
}

function toNumber(field: TargetField, raw: unknown): Converted {
  let n: number
  if (typeof raw === 'number') n = raw
  else {
    // NFKC folds full-width digits and commas; thousands separators are dropped.
    const s = String(raw).normalize('NFKC').trim().replace(/[,\s]/g, '')
    n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN
  }
  if (!Number.isFinite(n)) {
    return { error: `${field.label}（${field.name}）的值 “${String(raw)}” 不是数字 / ${field.name}: “${String(raw)}” is not a number` }
  }
  if (field.min !== undefined && n < field.min) {
    return { error: `${field.label}（${field.name}）不能为负：${n} / ${field.name} cannot be negative: ${n}` }
  }
  return n
}

const pad = (n: number) => String(n).padStart(2, '0')
const isoDate = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`

const DATE_PATTERNS: readonly RegExp[] = [
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
  /^(\d{4})(\d{2})(\d{2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/,
]
const MONTH_PATTERNS: readonly RegExp[] = [/^(\d{4})[-/.](\d{1,2})$/, /^(\d{4})(\d{2})$/, /^(\d{4})年(\d{1,2})月?$/]

/** Dates outside this span are typing errors (2201 for 2021), not land records. */
const YEAR_RANGE: readonly [number, number] = [1949, 2100]

/**
 * Dates from a DBF reader come as Date objects at UTC midnight (see dbf.ts); strings in the
 * formats offices type: 2021-03-05, 2021/3/5, 2021.3.5, 20210305, 2021年3月5日.
 */
export function toDate(field: Pick<TargetField, 'name' | 'label' | 'monthPrecision'>, raw: unknown): Converted {
  const bad = (why = '') => ({
    error: `${field.label}（${field.name}）的值 “${String(raw)}” 不是有效日期${why} / ${field.name}: “${String(raw)}” is not a valid date`,
  })
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? bad() : checkYmd(raw.getUTCFullYear(), raw.getUTCMonth() + 1, raw.getUTCDate()) ?? bad()
  const s = String(raw).normalize('NFKC').trim()
  for (const p of DATE_PATTERNS) {
    const m = p.exec(s)
    if (m) return checkYmd(Number(m[1]), Number(m[2]), Number(m[3])) ?? bad()
  }
  if (field.monthPrecision) {
    for (const p of MONTH_PATTERNS) {
      const m = p.exec(s)
      if (m) return checkYmd(Number(m[1]), Number(m[2]), 1) ?? bad()
    }
  }
  return bad('（可用格式 2021-03-05、2021/3/5、20210305、2021年3月5日）')
}

function checkYmd(y: number, m: number, d: number): string | null {
  if (y < YEAR_RANGE[0] || y > YEAR_RANGE[1]) return null
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null
  return isoDate(date)
}

/** Exact synonym, else the longest synonym contained in the value (挂牌出让 → 出让 → grant). */
function toEnum(field: TargetField, raw: unknown): Converted {
  const s = normaliseName(String(raw))
  const values = field.values ?? []
  const allowed = values.map((v) => `${v.synonyms[0]}→${v.value}`).join('、')
  for (const v of values) {
    if (normaliseName(v.value) === s || v.synonyms.some((syn) => normaliseName(syn) === s)) return v.value
  }
  let best: { value: string; len: number } | null = null
  let tie = false
  for (const v of values) {
    for (const syn of v.synonyms.map(normaliseName)) {
      // Single letters (plan codes M, R…) only count as whole values, never inside words.
      if (syn.length < 2 || !s.includes(syn)) continue
      if (!best || syn.length > best.len) [best, tie] = [{ value: v.value, len: syn.length }, false]
      else if (syn.length === best.len && best.value !== v.value) tie = true
    }
  }
  if (best && !tie) return best.value
  return {
    error: `${field.label}（${field.name}）的值 “${String(raw)}” 无法识别，可用：${allowed} / ` +
      `${field.name}: “${String(raw)}” is not one of ${values.map((v) => v.value).join(', ')}`,
  }
}
