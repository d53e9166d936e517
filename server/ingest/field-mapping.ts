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
import { LAYERS, type LayerName } from '../db/repos/uploads/layers'

export { LAYERS, type LayerName }

export type FieldType = 'text' | 'number' | 'date' | 'enum'

export interface EnumValue {
  value: string
  synonyms: readonly string[]
}

export interface TargetField {
  name: string
  type: FieldType
  required: boolean
  /** Chinese label for the upload form. */
  label: string
  /** Source column names that mean this field, compared trimmed, case- and width-insensitive. */
  synonyms: readonly string[]
  /** For enum fields: the stored values and the words that mean each. */
  values?: readonly EnumValue[]
  /** Smallest allowed number (areas and prices are not negative). */
  min?: number
  /** Date fields that may be given as a month only (image dates): the 1st of the month is stored. */
  monthPrecision?: boolean
}

const f = (
  name: string,
  type: FieldType,
  label: string,
  synonyms: readonly string[],
  extra: Partial<TargetField> = {},
): TargetField => ({ name, type, label, synonyms: uniqueNames([name, ...synonyms]), required: false, ...extra })

/** The field's own name is always a synonym; drop repeats that differ only in case or width. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>()
  return names.filter((n) => !seen.has(normaliseName(n)) && seen.add(normaliseName(n)))
}

const req = { required: true } as const
const nonNegative = { min: 0 } as const

const COUNTY_CODE = f('county_code', 'text', '行政区代码', ['行政区代码', '行政区划代码', 'XZQDM', 'XZQHDM'])

/** 宗地编号 etc.: the parcel key, shared by parcels and contracts. */
const PARCEL_CODE_SYNONYMS = ['宗地编号', '宗地代码', '宗地号', 'ZDBH', 'ZDDM', 'PARCEL_NO', 'PARCELNO', 'PARCEL_ID', '地块编号', 'DKBH']

/** An area in 公顷 (the 国土 coordinate TXT states 地块面积 in 公顷: txt.ts). */
const HECTARE_SYNONYMS = ['面积(公顷)', '用地面积(公顷)', '宗地面积(公顷)', '地块面积(公顷)', '公顷', 'MJ_GQ', 'MJGQ', 'AREA_HA']

/** GB 50137 land-use codes (M industrial, W logistics…) and Chinese names, for plan zones. */
const ZONE_TYPES: readonly EnumValue[] = [
  { value: 'industrial', synonyms: ['工业用地', '工业', 'M', 'M1', 'M2', 'M3'] },
  { value: 'logistics', synonyms: ['物流仓储用地', '物流仓储', '仓储用地', '物流用地', 'W', 'W1', 'W2', 'W3'] },
  { value: 'residential', synonyms: ['居住用地', '居住', 'R', 'R1', 'R2', 'R3'] },
  { value: 'green', synonyms: ['绿地', '公园绿地', '防护绿地', '绿地与广场用地', 'G', 'G1', 'G2', 'G3'] },
  { value: 'road', synonyms: ['道路', '道路用地', '道路与交通设施用地', '交通', 'S', 'S1', 'S2', 'S3', 'S4'] },
  { value: 'public', synonyms: ['公共服务', '公共服务设施用地', '公共管理与公共服务用地', 'A', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6'] },
  { value: 'other', synonyms: ['其他', '其它', '其他用地'] },
]

export const LAYER_FIELDS: Readonly<Record<LayerName, readonly TargetField[]>> = {
  parcels: [
    f('code', 'text', '宗地编号', PARCEL_CODE_SYNONYMS, req),
    f('owner_name', 'text', '权利人', ['权利人', '权利人名称', 'QLR', 'QLRMC', '使用权人', '土地使用者', '土地使用权人', 'OWNER']),
    f('stated_area_m2', 'number', '用地面积（平方米）',
      ['用地面积', '宗地面积', '面积', '土地面积', 'MJ', 'ZDMJ', 'YDMJ', 'TDMJ', 'AREA', '面积(平方米)', '面积(m2)', '用地面积(平方米)', '宗地面积(平方米)'],
      nonNegative),
    // Some offices deliver the area in 亩 (DOMAIN.md: 1 mu = 666.667 m²); kept apart, converted later.
    f('stated_area_mu', 'number', '用地面积（亩）',
      ['面积(亩)', '用地面积(亩)', '宗地面积(亩)', '亩数', '亩', 'MJ_MU', 'MJMU', 'AREA_MU'], nonNegative),
    f('stated_area_ha', 'number', '用地面积（公顷）',
      HECTARE_SYNONYMS, nonNegative),
    f('land_use', 'text', '土地用途', ['土地用途', '用途', '地块用途', '地类名称', 'TDYT', 'DLMC']),
    COUNTY_CODE,
  ],
  batches: [
    f('approval_no', 'text', '批准文号', ['批准文号', '批文号', '批复文号', 'PZWH'], req),
    f('approved_on', 'date', '批准日期', ['批准日期', '批复日期', 'PZRQ']),
    f('name', 'text', '批次名称', ['批次名称', '批次名', 'PCMC', '地块名称']),
    f('stated_area_m2', 'number', '批准面积（平方米）', ['批准面积', '面积', 'PZMJ', 'MJ'], nonNegative),
    f('stated_area_ha', 'number', '批准面积（公顷）', HECTARE_SYNONYMS, nonNegative),
    COUNTY_CODE,
  ],
  contracts: [
    f('contract_no', 'text', '合同编号', ['合同编号', '合同号', 'HTBH'], req),
    f('parcel_code', 'text', '宗地编号', PARCEL_CODE_SYNONYMS),
    f('supply_method', 'enum', '供地方式', ['供地方式', '供应方式', 'GDFS'], {
      values: [
        { value: 'grant', synonyms: ['出让', '招标出让', '拍卖出让', '挂牌出让', '协议出让', '招拍挂'] },
        { value: 'allocation', synonyms: ['划拨'] },
      ],
    }),
    f('signed_on', 'date', '签订日期', ['签订日期', '合同签订日期', '签约日期', 'QDRQ']),
    f('agreed_start_on', 'date', '约定动工日期', ['约定动工日期', '约定开工日期', 'YDDGRQ', 'YDKGRQ']),
    f('agreed_completion_on', 'date', '约定竣工日期', ['约定竣工日期', 'YDJGRQ']),
    f('price_wan', 'number', '成交价（万元）',
      ['成交价', '成交价格', '出让价款', '成交价(万元)', '出让价款(万元)', '成交价款', 'JG', 'CJJ'], nonNegative),
    f('land_user_code', 'text', '统一社会信用代码', ['统一社会信用代码', '信用代码', 'TYSHXYDM', 'XYDM']),
    f('land_user_name', 'text', '受让人', ['受让人', '用地单位', '用地单位名称', '受让单位', 'SRR', 'YDDW']),
    f('stated_area_m2', 'number', '出让面积（平方米）', ['出让面积', '供地面积', '面积', 'CRMJ', 'GDMJ', 'MJ'], nonNegative),
    f('stated_area_ha', 'number', '出让面积（公顷）', HECTARE_SYNONYMS, nonNegative),
  ],
  plan_zones: [
    f('zone_type', 'enum', '用地性质', ['用地性质', '规划用途', '规划用地性质', '用地类型', 'GHYT', 'YDXZ'], {
      ...req,
      values: ZONE_TYPES,
    }),
    f('name', 'text', '分区名称', ['分区名称', '名称', 'MC', 'NAME']),
    f('code', 'text', '分区编号', ['分区编号', '编号', '地块编号', 'BH', 'DKBH', 'CODE']),
  ],
  clusters: [
    f('name', 'text', '集聚区名称', ['集聚区名称', '园区名称', '名称', 'MC', 'NAME'], req),
    f('code', 'text', '集聚区编号', ['集聚区编号', '集聚区代码', '编号', '编码', 'BM', 'BH', 'CODE']),
    COUNTY_CODE,
  ],
  changes: [
    f('change_type', 'enum', '变化类型', ['变化类型', '图斑类型', 'BHLX'], {
      ...req,
      values: [
        { value: 'new_construction', synonyms: ['新增建设', '新增建设用地', '新建', '新增建筑'] },
        { value: 'demolition', synonyms: ['拆除', '拆迁'] },
        { value: 'earth_moving', synonyms: ['推填土', '堆掘', '推填土/堆掘', '推土', '填土', '推堆土'] },
      ],
    }),
    f('image_before', 'date', '前时相', ['前时相', '前时相日期', 'QSX'], { monthPrecision: true }),
    f('image_after', 'date', '后时相', ['后时相', '后时相日期', 'HSX'], { monthPrecision: true }),
    f('period', 'text', '监测批次', ['监测批次', 'JCPC']),
    f('code', 'text', '图斑编号', ['图斑编号', '监测图斑号', 'TBBH', 'CODE']),
  ],
}

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

export function layerFields(layer: string): readonly TargetField[] {
  const fields = (LAYER_FIELDS as Record<string, readonly TargetField[]>)[layer]
  if (!fields) throw ingestError('layer_unknown', { layer })
  return fields
}

/** Trim, fold full-width forms (（亩） → (亩)) and case, drop inner spaces. */
export function normaliseName(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '')
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
