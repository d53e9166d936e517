/** Request shapes of standard land (标准地, §二(四)10 and annex 2): a sale with its "3+N+1"
 * indicators and the performance agreement's periods, a completion or production check, a termination. */
import { Type, type Static } from '@sinclair/typebox'
import { ContractCreate, Indicator } from '../../schemas/contract'
import { IsoDate } from '../../schemas/common'

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max })

/** The performance agreement (履约监管协议, annex 2 art. 11) and its check periods. */
export const TermsFields = {
  agreement_no: Type.Optional(Type.Union([Text(64), Type.Null()], { description: '履约监管协议编号' })),
  completion_check_by: Type.Optional(Type.Union([IsoDate, Type.Null()], { description: '竣工验收期限 (default: agreed completion + the county period)' })),
  production_check_by: Type.Optional(Type.Union([IsoDate, Type.Null()], { description: '达产验收期限 (default: completion acceptance + the county period)' })),
}
export const Terms = Type.Object(TermsFields, { additionalProperties: false, minProperties: 1 })
export type Terms = Static<typeof Terms>

/** A standard-land sale: a grant contract with the 3 main indicators (investment intensity, tax per
 * mu, plot ratio), any N others, and the term ("1": ≤ 20 years, ≤ 50 for a recognised major project). */
export const StandardLandCreate = Type.Object({
  contract_no: ContractCreate.properties.contract_no,
  parcel_code: ContractCreate.properties.parcel_code,
  land_user_code: ContractCreate.properties.land_user_code,
  land_use: ContractCreate.properties.land_use,
  signed_on: ContractCreate.properties.signed_on,
  price_wan: ContractCreate.properties.price_wan,
  agreed_start_on: ContractCreate.properties.agreed_start_on,
  agreed_completion_on: ContractCreate.properties.agreed_completion_on,
  total_investment_wan: ContractCreate.properties.total_investment_wan,
  planned_floor_area_m2: ContractCreate.properties.planned_floor_area_m2,
  term_years: Type.Integer({ minimum: 1, maximum: 50, description: '出让年限 ("1" of 3+N+1): ≤ 20, ≤ 50 with major_project' }),
  major_project: Type.Optional(Type.Boolean({ description: '经市、县认定的重大产业项目、战略性新兴产业项目 (annex 2 art. 9)' })),
  indicators: Type.Array(Indicator, { minItems: 3, maxItems: 40, description: 'the 3 main indicators and any N others, each with unit and direction' }),
  ...TermsFields,
  note: Type.Optional(Text(500)),
}, { additionalProperties: false })
export type StandardLandCreate = Static<typeof StandardLandCreate>

export const CheckKind = Type.Union([Type.Literal('completion'), Type.Literal('production')], {
  description: 'completion 竣工验收; production 达产验收',
})

export const CheckCreate = Type.Object({
  kind: CheckKind,
  checked_on: IsoDate,
  measured: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{1,39}$' }), Type.Number(), {
    description: 'measured value per indicator; at a production check tax_per_mu and output_per_mu default to the parcel\'s per-mu figures of the last whole year',
  }),
  rectification_deadline: Type.Optional(Type.Union([IsoDate, Type.Null()], { description: '整改期限 on failure (≤ 2 years; default: the county period)' })),
  responsible_unit: Type.Optional(Text(200)),
  note: Type.Optional(Text(500)),
}, { additionalProperties: false })
export type CheckCreate = Static<typeof CheckCreate>

export const Termination = Type.Object({
  terminated_on: IsoDate,
  note: Type.Optional(Text(500)),
}, { additionalProperties: false })
export type Termination = Static<typeof Termination>

export const STATUSES = ['awaiting_completion_check', 'completion_accepted', 'production_accepted', 'rectifying',
  'termination_recommended', 'terminated'] as const
