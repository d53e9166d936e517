/** Request and answer shapes of enterprises (企业) and of their yearly figures (annex 3 art. 14). */
import { Type, type Static } from '@sinclair/typebox'
import { Nullable, PageMembers, PagingQuery, SearchText, Version } from './common'

export const CREDIT_CODE_PATTERN = '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'
export const CreditCode = Type.String({ pattern: CREDIT_CODE_PATTERN, maxLength: 18, description: '统一社会信用代码 (GB 32100-2015)' })
export const CreditCodeParams = Type.Object({ credit_code: CreditCode })

export const EnterprisePatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
  industry: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  above_scale: Type.Optional(Type.Boolean({ description: '规模以上' })),
  intelligent_retrofit: Type.Optional(Type.Boolean({ description: '智能化改造 (§一(二)4)' })),
  legal_person: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  contact_phone: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9+() -]{5,30}$', maxLength: 30 }), Type.Null()])),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 })
export type EnterprisePatch = Static<typeof EnterprisePatch>

export const EnterpriseSearchQuery = Type.Object({
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20 })),
  q: Type.Optional(SearchText),
  industry: Type.Optional(Type.String({ maxLength: 100 })),
  above_scale: Type.Optional(Type.Boolean()),
  limit: Type.Optional(PagingQuery.limit),
  offset: Type.Optional(PagingQuery.offset),
  cursor: Type.Optional(PagingQuery.cursor),
}, { additionalProperties: false })

/** The columns of enterprise_year a figures table may fill (万元 unless named otherwise). */
export const FIGURE_COLUMNS = [
  'tax_paid_wan', 'tax_refund_wan', 'output_wan', 'value_added_wan', 'energy_tce', 'employment', 'profit_wan', 'rating',
] as const
export type FigureColumn = (typeof FIGURE_COLUMNS)[number]

const Wan = (description: string) => Type.Number({ minimum: -1e10, maximum: 1e10, description: `${description}, 万元` })
export const Figures = Type.Object({
  tax_paid_wan: Type.Optional(Wan('年纳税合计 tax paid')),
  tax_refund_wan: Type.Optional(Type.Number({ minimum: 0, maximum: 1e10, description: '退税及政策性减免 refunds and reductions, added back (annex 3 art. 14), 万元' })),
  output_wan: Type.Optional(Type.Union([Wan('工业总产值 output (statistics bureau)'), Type.Null()])),
  value_added_wan: Type.Optional(Type.Union([Wan('工业增加值 value added'), Type.Null()])),
  energy_tce: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1e10, description: '综合能耗, tonnes of coal equivalent' }), Type.Null()])),
  employment: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000 }), Type.Null()])),
  profit_wan: Type.Optional(Type.Union([Wan('利润总额 operating profit'), Type.Null()])),
  rating: Type.Optional(Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C'), Type.Literal('D'), Type.Null()], { description: '企业分类综合评价' })),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 })
export type Figures = { [K in FigureColumn]: Static<typeof Figures>[K] }

export const FiguresParams = Type.Object({
  credit_code: CreditCode,
  year: Type.Integer({ minimum: 2000, maximum: 2100 }),
})

export const ImportQuery = Type.Object({
  dry_run: Type.Optional(Type.Boolean({ default: false, description: 'validate and report only' })),
  source: Type.Optional(Type.String({ maxLength: 200, description: 'where the table came from (file name), kept in the file of each record' })),
}, { additionalProperties: false })

// ---- Answers (described for OpenAPI; built by server/db/repos/enterprises/*.sql)

const SENSITIVE = '仅对可见涉密数据的角色 / only for roles that may see tax, output and price'
const registration = {
  credit_code: Type.String(),
  name: Type.String(),
  county_code: Nullable(Type.String()),
  industry: Nullable(Type.String()),
  above_scale: Type.Boolean(),
  intelligent_retrofit: Type.Boolean(),
  version: Version,
}

/** One year's figures of an enterprise, as stored (annex 3 art. 14). */
export const EnterpriseYear = Type.Object({
  year: Type.Integer(),
  tax_paid_wan: Nullable(Type.Number()),
  tax_refund_wan: Nullable(Type.Number()),
  output_wan: Nullable(Type.Number()),
  value_added_wan: Nullable(Type.Number()),
  energy_tce: Nullable(Type.Number()),
  employment: Nullable(Type.Integer()),
  profit_wan: Nullable(Type.Number()),
  rating: Nullable(Type.String()),
  version: Version,
}, { additionalProperties: false, description: SENSITIVE })

export const EnterpriseView = Type.Object({
  ...registration,
  legal_person: Nullable(Type.String({ description: '法定代表人 (personal data: never public)' })),
  contact_phone: Nullable(Type.String({ description: '联系电话 (personal data: never public)' })),
  land: Type.Array(Type.Object({
    parcel_code: Type.String(),
    relation: Type.Union([Type.Literal('land_user'), Type.Literal('tenant')]),
    contract_no: Nullable(Type.String()),
    since: IsoDateOrNull(),
    area_m2: Type.Number(),
    area_mu: Type.Number(),
  }, { additionalProperties: false }), { description: 'the land it holds or rents in the caller\'s counties' }),
  figures: Type.Optional(Type.Array(EnterpriseYear, { description: `every year's figures, latest first; ${SENSITIVE}` })),
}, { additionalProperties: false })

export const EnterprisePage = Type.Object({
  ...PageMembers,
  items: Type.Array(Type.Object(registration, { additionalProperties: false })),
}, { additionalProperties: false })

function IsoDateOrNull() {
  return Nullable(Type.String({ format: 'date' }))
}
