import type { LayerName } from './layer-names'

/** The target fields of the upload layers (the upload form's columns, the mapping's targets):
 * plain data, read by the server (field-mapping.ts, the layer registry layers.ts) and by the web
 * map's upload form alike. */

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

export const f = (
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

export const req = { required: true } as const
export const nonNegative = { min: 0 } as const

export const COUNTY_CODE = f('county_code', 'text', '行政区代码', ['行政区代码', '行政区划代码', 'XZQDM', 'XZQHDM'])

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

/** Trim, fold full-width forms (（亩） → (亩)) and case, drop inner spaces. */
export function normaliseName(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '')
}
