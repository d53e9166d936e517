/** Request and answer shapes of supply contracts (供地合同: 出让合同 / 划拨决定书) and their indicators. */
import { Type, type Static } from '@sinclair/typebox'
import { IsoDate, Nullable, PageMembers, PagingQuery, SearchText, Version } from './common'

const Money = Type.Number({ minimum: 0, maximum: 1e10, description: '万元' })

/** The 7 indicators of annex 3 art. 2(3) and the 3+N of standard land (annex 2), by the names
 * the analysis reads; others are allowed (N is open) as long as they are snake_case. */
export const Indicator = Type.Object({
  indicator: Type.String({ pattern: '^[a-z][a-z0-9_]{1,39}$', maxLength: 40, description: 'plot_ratio, building_density, investment_intensity, output_intensity, building_coefficient, green_ratio, admin_share, tax_per_mu, employment…' }),
  unit: Type.String({ maxLength: 20 }),
  direction: Type.Union([Type.Literal('min'), Type.Literal('max')], { description: 'min: at least; max: at most' }),
  value: Type.Number({ minimum: -1e12, maximum: 1e12 }),
  is_core: Type.Optional(Type.Boolean({ description: 'one of the "3" of 3+N+1' })),
}, { additionalProperties: false })

const contractFields = {
  supply_method: Type.Union([Type.Literal('grant'), Type.Literal('allocation')], { description: 'grant 出让, allocation 划拨' }),
  land_user_code: Nullable(Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$', maxLength: 18 })),
  land_use: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
  signed_on: IsoDate,
  price_wan: Nullable(Money),
  agreed_start_on: Type.Union([IsoDate, Type.Null()]),
  agreed_completion_on: Type.Union([IsoDate, Type.Null()]),
  total_investment_wan: Nullable(Money),
  planned_floor_area_m2: Nullable(Type.Number({ minimum: 0, maximum: 1e9 })),
  is_standard_land: Type.Boolean(),
  term_years: Nullable(Type.Integer({ minimum: 1, maximum: 50 })),
  major_project: Type.Boolean({ description: 'recognised major or strategic project: term up to 50 years (annex 2)' }),
  terminated_on: Type.Union([IsoDate, Type.Null()]),
}

export const ContractPatch = Type.Object({
  supply_method: Type.Optional(contractFields.supply_method),
  land_user_code: Type.Optional(contractFields.land_user_code),
  land_use: Type.Optional(contractFields.land_use),
  signed_on: Type.Optional(contractFields.signed_on),
  price_wan: Type.Optional(contractFields.price_wan),
  agreed_start_on: Type.Optional(contractFields.agreed_start_on),
  agreed_completion_on: Type.Optional(contractFields.agreed_completion_on),
  total_investment_wan: Type.Optional(contractFields.total_investment_wan),
  planned_floor_area_m2: Type.Optional(contractFields.planned_floor_area_m2),
  is_standard_land: Type.Optional(contractFields.is_standard_land),
  term_years: Type.Optional(contractFields.term_years),
  major_project: Type.Optional(contractFields.major_project),
  terminated_on: Type.Optional(contractFields.terminated_on),
  indicators: Type.Optional(Type.Array(Indicator, { maxItems: 40, description: 'replaces the whole set' })),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 })
export type ContractPatch = Static<typeof ContractPatch>

export const ContractCreate = Type.Object({
  contract_no: Type.String({ minLength: 1, maxLength: 64 }),
  parcel_code: Type.String({ minLength: 1, maxLength: 64 }),
  supply_method: contractFields.supply_method,
  land_user_code: Type.Optional(contractFields.land_user_code),
  land_use: Type.Optional(contractFields.land_use),
  signed_on: contractFields.signed_on,
  price_wan: Type.Optional(contractFields.price_wan),
  agreed_start_on: Type.Optional(contractFields.agreed_start_on),
  agreed_completion_on: Type.Optional(contractFields.agreed_completion_on),
  total_investment_wan: Type.Optional(contractFields.total_investment_wan),
  planned_floor_area_m2: Type.Optional(contractFields.planned_floor_area_m2),
  is_standard_land: Type.Optional(contractFields.is_standard_land),
  term_years: Type.Optional(contractFields.term_years),
  major_project: Type.Optional(contractFields.major_project),
  indicators: Type.Optional(Type.Array(Indicator, { maxItems: 40 })),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false })
export type ContractCreate = Static<typeof ContractCreate>

export const ContractSearchQuery = Type.Object({
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20 })),
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18 })),
  q: Type.Optional(SearchText),
  supply_method: Type.Optional(contractFields.supply_method),
  standard_land: Type.Optional(Type.Boolean()),
  in_force: Type.Optional(Type.Boolean({ description: 'true: not terminated; false: terminated' })),
  signed_from: Type.Optional(IsoDate),
  signed_to: Type.Optional(IsoDate),
  limit: Type.Optional(PagingQuery.limit),
  offset: Type.Optional(PagingQuery.offset),
  cursor: Type.Optional(PagingQuery.cursor),
}, { additionalProperties: false })
export type ContractSearchQuery = Static<typeof ContractSearchQuery>

export const ContractNo = Type.Object({ no: Type.String({ minLength: 1, maxLength: 64 }) })

// ---- Answers (described for OpenAPI; built by server/db/repos/contracts/*.sql)

const PRICE = '出让价款 万元; 仅对可见涉密数据的角色 / only for roles that may see tax, output and price'
const shown = {
  contract_no: Type.String(),
  parcel_code: Type.String(),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  supply_method: contractFields.supply_method,
  land_user_code: Nullable(Type.String()),
  land_user_name: Nullable(Type.String()),
  land_use: Nullable(Type.String()),
  signed_on: IsoDate,
  price_wan: Type.Optional(Nullable(Type.Number(), { description: PRICE })),
  agreed_start_on: Nullable(IsoDate),
  agreed_completion_on: Nullable(IsoDate),
  is_standard_land: Type.Boolean(),
  terminated_on: Nullable(IsoDate),
  version: Version,
}

/** One supply contract: its terms and indicators. */
export const ContractView = Type.Object({
  ...shown,
  total_investment_wan: Nullable(Type.Number({ description: '万元' })),
  planned_floor_area_m2: Nullable(Type.Number()),
  term_years: Nullable(Type.Integer()),
  major_project: Type.Boolean(),
  indicators: Type.Array(Type.Required(Indicator)),
}, { additionalProperties: false })

export const ContractPage = Type.Object({
  ...PageMembers,
  items: Type.Array(Type.Object(shown, { additionalProperties: false })),
}, { additionalProperties: false })
