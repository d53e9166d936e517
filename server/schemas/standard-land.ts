/** Request and answer shapes of standard land (标准地, §二(四)10 and annex 2): a sale with its "3+N+1"
 * indicators and the performance agreement's periods, a completion or production check, a termination;
 * the contract's file and the list, built by PostGIS (server/db/repos/standard-land/*.sql). */
import { Type, type Static } from '@sinclair/typebox'
import { ContractCreate, Indicator } from './contract'
import { IsoDate, Nullable, Timestamp, Version } from './common'
import { LedgerItem } from './ledger'

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
  measured: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{1,39}$' }), Type.Number({ minimum: -1e12, maximum: 1e12 }), {
    maxProperties: 50,
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

// ---- Answers

const Status = Type.Union(STATUSES.map((x) => Type.Literal(x)))
const OverdueItems = Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'what is overdue: the item, its due date, days overdue' })
const standing = {
  completion_check_by: Nullable(IsoDate),
  production_check_by: Nullable(IsoDate),
  completion_passed_on: Nullable(IsoDate),
  production_passed_on: Nullable(IsoDate),
  open_rectification: Nullable(Type.Record(Type.String(), Type.Unknown())),
  termination_recommended_on: Nullable(IsoDate),
  termination_due: Nullable(IsoDate, { description: 'the date the termination is due by' }),
  status: Status,
  next_due: Nullable(IsoDate),
  overdue: Type.Boolean(),
  overdue_items: Nullable(OverdueItems),
}
const IndicatorValue = { indicator: Type.String(), unit: Type.String(), direction: Type.String(), value: Type.Number() }

/** One standard-land contract's file (annex 2): 3+N+1, the agreement, where it stands, every check. */
export const StandardLandFile = Type.Object({
  contract_no: Type.String(),
  parcel_code: Type.String(),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  land_user_code: Nullable(Type.String()),
  land_user_name: Nullable(Type.String()),
  signed_on: IsoDate,
  is_standard_land: Type.Boolean(),
  agreed_completion_on: Nullable(IsoDate),
  terminated_on: Nullable(IsoDate),
  version: Version,
  as_of: IsoDate,
  indicators: Type.Object({
    core: Type.Array(Type.Object({ ...IndicatorValue, label: Type.String() }, { additionalProperties: false }), { description: 'the "3"' }),
    n: Type.Array(Type.Object(IndicatorValue, { additionalProperties: false }), { description: 'the "N"' }),
    term: Type.Object({ years: Nullable(Type.Integer()), major_project: Type.Boolean(), max_years: Type.Integer() },
      { additionalProperties: false, description: 'the "1": the term' }),
  }, { additionalProperties: false }),
  terms: Nullable(Type.Object({
    agreement_no: Nullable(Type.String()), completion_check_by: Nullable(IsoDate), production_check_by: Nullable(IsoDate), version: Version,
  }, { additionalProperties: false }), { description: '履约监管协议' }),
  status: Nullable(Type.Object({ ...standing }, { additionalProperties: false })),
  checks: Type.Array(Type.Object({
    id: Type.Integer(), kind: Type.String(), checked_on: IsoDate, passed: Type.Boolean(), failed: Type.Array(Type.String()),
    recheck_of: Nullable(Type.Integer()),
    results: Nullable(Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description: 'per indicator: the contract value, the measured one (tax and output per mu only for roles that may see them; else redacted), passed',
    })),
    measured_source: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'indicators whose value came from the per-mu figures, with their year' })),
    development_event_id: Nullable(Type.Integer()),
    note: Nullable(Type.String()), recorded_by: Nullable(Type.String()), created_at: Timestamp,
  }, { additionalProperties: false })),
  rectifications: Type.Array(Type.Object({
    id: Type.Integer(), kind: Type.String(), opened_on: IsoDate, deadline: IsoDate, closed_on: Nullable(IsoDate), outcome: Nullable(Type.String()),
    failed_check_id: Nullable(Type.Integer()), recheck_id: Nullable(Type.Integer()), ledger_id: Nullable(Type.Integer()),
    termination_ledger_id: Nullable(Type.Integer()), overdue: Type.Boolean(),
  }, { additionalProperties: false }), { description: '整改 (≤ 2 years each)' }),
  ledger: Type.Array(Type.Omit(LedgerItem, ['days_overdue'], { additionalProperties: false }), {
    description: 'the ledger entries of its rectifications and termination (overdue at as_of)',
  }),
}, { additionalProperties: false })

/** A page of standard-land contracts with where each stands. */
export const StandardLandPage = Type.Object({
  as_of: IsoDate,
  total: Type.Integer({ minimum: 0 }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'contracts per status' }),
  overdue: Type.Integer({ minimum: 0, description: 'contracts with something overdue' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  items: Type.Array(Type.Object({
    contract_no: Type.String(), parcel_code: Type.String(), county_code: Type.String(), cluster_code: Nullable(Type.String()),
    land_user_code: Nullable(Type.String()), land_user_name: Nullable(Type.String()), signed_on: IsoDate,
    term_years: Nullable(Type.Integer()), major_project: Type.Boolean(), agreement_no: Nullable(Type.String()),
    checks: Type.Integer(), failed_checks: Type.Integer(), terminated_on: Nullable(IsoDate),
    ...standing,
  }, { additionalProperties: false })),
}, { additionalProperties: false })

const Enum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] })
const StatusName = Enum(STATUSES)

/** GET /api/standard-land/transitions: the workflow's table (analysis.standard_land_transitions()). */
export const StandardLandTransitions = Type.Object({
  statuses: Type.Array(Type.Object({ status: StatusName, label: Type.String() }, { additionalProperties: false })),
  transitions: Type.Array(Type.Object({
    status: StatusName,
    step: Enum(['check', 'terminate'] as const),
    kind: Nullable(CheckKind),
    rectifying: Nullable(CheckKind, { description: 'the kind of the open rectification this row applies to (status rectifying)' }),
    outcome: Nullable(Type.Union([Type.Literal('passed'), Type.Literal('failed')])),
    to_status: Nullable(StatusName),
    effect: Nullable(Enum(['open_rectification', 'close_rectification', 'recommend_termination', 'complete_termination'] as const), {
      description: 'open_rectification: a rectification of at most two years and its ledger entry 限期整改; close_rectification: the re-check passed; recommend_termination: the re-check failed, a ledger entry 收回; complete_termination: the open 收回 entries complete',
    }),
    refused: Nullable(Enum(['completion_first', 'already_passed', 'rectifying', 'termination_recommended', 'terminated'] as const), {
      description: 'the code of the 409 the step gets from this status',
    }),
    basis: Type.String(),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
