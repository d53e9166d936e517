/** Request and answer shapes of parcels (宗地): search, edit, retirement, development events. The
 * card and the file are built by PostGIS (server/db/repos/parcels/*.sql) and described here for OpenAPI. */
import { Type, type Static } from '@sinclair/typebox'
import {
  AreaGeometry, BboxQuery, CountyCode, FeatureOf, IsoDate, Nullable, PageMembers, PagingQuery, SearchText, Timestamp, Version,
} from './common'
import { Indicator } from './contract'
import { LedgerItem } from './ledger'

/** DOMAIN.md "The land's life cycle" as parcel.stage. */
export const STAGES = ['approved', 'supplied', 'under_construction', 'completed', 'producing', 'recovered'] as const
export const Stage = Type.Union(STAGES.map((s) => Type.Literal(s)), {
  description: '生命周期阶段: approved 已批, supplied 已供, under_construction 在建, completed 竣工, producing 投产, recovered 已收回',
})

/** The classifications of DOMAIN.md the analysis functions compute. */
export const KINDS = ['idle', 'inefficient', 'used_before_supply', 'conformity'] as const

export const ParcelSearchQuery = Type.Object({
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18, description: '集聚区代码, repeatable' })),
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20, description: '区县代码, repeatable' })),
  status: Type.Optional(Type.Array(Stage, { maxItems: STAGES.length, description: 'life-cycle stage, repeatable' })),
  kind: Type.Optional(Type.Array(Type.Union(KINDS.map((k) => Type.Literal(k))), { maxItems: 10, description: '分类: idle 闲置, inefficient 低效, used_before_supply 未供即用, conformity 规划不符 (repeatable; 批而未供 is a batch class: /api/analysis/unsupplied)' })),
  q: Type.Optional(SearchText),
  bbox: Type.Optional(BboxQuery),
  include_retired: Type.Optional(Type.Boolean({ default: false, description: 'also list retired (注销) parcels' })),
  limit: Type.Optional(PagingQuery.limit),
  offset: Type.Optional(PagingQuery.offset),
  cursor: Type.Optional(PagingQuery.cursor),
}, { additionalProperties: false })
export type ParcelSearchQuery = Static<typeof ParcelSearchQuery>

export const ParcelCode = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) })

const EditNote = Type.String({ minLength: 1, maxLength: 500, description: '修改说明, kept in the file (一地一档)' })

export const ParcelPatch = Type.Object({
  cluster_code: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  land_use: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  owner_name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200, description: '权利人' }), Type.Null()])),
  stage: Type.Optional(Stage),
  stated_area_m2: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1e9 }), Type.Null()])),
  geometry: Type.Optional(AreaGeometry),
  note: Type.Optional(EditNote),
}, { additionalProperties: false, minProperties: 1 })
export type ParcelPatch = Static<typeof ParcelPatch>

export const RetireBody = Type.Object({
  reason: Type.String({ minLength: 2, maxLength: 500, description: '注销原因 (a parcel is never removed, only retired with a reason)' }),
}, { additionalProperties: false })

export const DEVELOPMENT_KINDS = ['start', 'progress', 'halt', 'resume', 'completion', 'completion_acceptance', 'production_acceptance', 'inspection'] as const
export const DevelopmentKind = Type.Union(DEVELOPMENT_KINDS.map((k) => Type.Literal(k)), {
  description: 'start 动工, progress 进度, halt 停工, resume 复工, completion 竣工, completion_acceptance 竣工验收, production_acceptance 达产验收, inspection 巡查',
})

const developmentFields = {
  occurred_on: IsoDate,
  developed_area_m2: Type.Union([Type.Number({ minimum: 0, maximum: 1e9 }), Type.Null()]),
  invested_wan: Type.Union([Type.Number({ minimum: 0, maximum: 1e9 }), Type.Null()]),
  measured: Type.Union([Type.Record(Type.String({ pattern: '^[a-z_]{1,40}$' }), Type.Number({ minimum: -1e12, maximum: 1e12 }), { maxProperties: 50 }), Type.Null()], {
    description: 'indicator values measured at an acceptance check, e.g. {"plot_ratio": 1.2}',
  }),
  government_caused: Type.Boolean({ description: '政府原因造成的延误 (suspends idleness, 闲置土地处置办法 art. 8)' }),
  note: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
}

export const DevelopmentEventCreate = Type.Object({
  kind: DevelopmentKind,
  occurred_on: developmentFields.occurred_on,
  developed_area_m2: Type.Optional(developmentFields.developed_area_m2),
  invested_wan: Type.Optional(developmentFields.invested_wan),
  measured: Type.Optional(developmentFields.measured),
  government_caused: Type.Optional(developmentFields.government_caused),
  note: Type.Optional(developmentFields.note),
}, { additionalProperties: false })
export type DevelopmentEventCreate = Static<typeof DevelopmentEventCreate>

export const DevelopmentEventPatch = Type.Object({
  kind: Type.Optional(DevelopmentKind),
  occurred_on: Type.Optional(developmentFields.occurred_on),
  developed_area_m2: Type.Optional(developmentFields.developed_area_m2),
  invested_wan: Type.Optional(developmentFields.invested_wan),
  measured: Type.Optional(developmentFields.measured),
  government_caused: Type.Optional(developmentFields.government_caused),
  note: Type.Optional(developmentFields.note),
}, { additionalProperties: false, minProperties: 1 })
export type DevelopmentEventPatch = Static<typeof DevelopmentEventPatch>

// ---- Answers (described for OpenAPI; built by server/db/repos/parcels/*.sql)

const Area = {
  area_m2: Type.Number({ description: '椭球面积 m² (DOMAIN.md: ellipsoidal, CGCS2000)' }),
  area_mu: Type.Number({ description: '亩 (1 亩 = 10000/15 m²)' }),
}
/** 权利人: personal data when the holder is a person (DOMAIN.md "Governance"), so in no public answer. */
const OWNER = '权利人 as surveyed (may name a person: shown to signed-in roles, never public)'
/** Enterprise figures and prices: present only for the roles of ONEMAP_SENSITIVE_ROLES. */
const SENSITIVE = '仅对可见涉密数据的角色 / only for roles that may see tax, output and price'
const Money = (description = '万元') => Nullable(Type.Number(), { description })

/** One row of the parcel search. */
export const ParcelSummary = Type.Object({
  code: Type.String({ description: '宗地编号' }),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  stage: Stage,
  land_use: Nullable(Type.String()),
  owner_name: Nullable(Type.String({ description: OWNER })),
  ...Area,
  contract_no: Nullable(Type.String({ description: 'the contract in force' })),
  land_user_code: Nullable(Type.String()),
  land_user_name: Nullable(Type.String()),
  version: Version,
  retired_at: Nullable(Timestamp),
}, { additionalProperties: false })

export const ParcelPage = Type.Object({
  type: Type.Literal('FeatureCollection'),
  ...PageMembers,
  features: Type.Array(FeatureOf(ParcelSummary)),
}, { additionalProperties: false })

const ContractOnCard = Type.Object({
  contract_no: Type.String(),
  current: Type.Boolean({ description: 'the contract in force: not terminated, the latest signed' }),
  supply_method: Type.String(),
  land_user_code: Nullable(Type.String()),
  land_use: Nullable(Type.String()),
  signed_on: IsoDate,
  price_wan: Type.Optional(Money(`出让价款 万元; ${SENSITIVE}`)),
  agreed_start_on: Nullable(IsoDate),
  agreed_completion_on: Nullable(IsoDate),
  total_investment_wan: Money(),
  planned_floor_area_m2: Nullable(Type.Number()),
  is_standard_land: Type.Boolean(),
  term_years: Nullable(Type.Integer()),
  major_project: Type.Boolean(),
  terminated_on: Nullable(IsoDate),
  version: Version,
  indicators: Type.Array(Type.Required(Indicator)),
}, { additionalProperties: false })

/** A development event (动工, 停工, 竣工, 验收, 巡查…) as stored; measured values of tax or output only for sensitive roles. */
export const DevelopmentEvent = Type.Object({
  id: Type.Integer(),
  kind: DevelopmentKind,
  occurred_on: IsoDate,
  developed_area_m2: Nullable(Type.Number()),
  invested_wan: Nullable(Type.Number()),
  measured: Nullable(Type.Record(Type.String(), Type.Unknown())),
  government_caused: Type.Boolean(),
  note: Nullable(Type.String()),
  recorded_by: Nullable(Type.String()),
  version: Version,
}, { additionalProperties: false })


/** A classification of the analysis engine with its reason (DOMAIN.md "Classifications the system computes": each with the reason it fired): rule, measured value, threshold, source. */
export const Classification = Type.Object({
  classification: Type.String({ description: 'idle 闲置, inefficient 低效, used_before_supply 未供即用, conformity 规划不符…' }),
  rule: Type.String(),
  type: Nullable(Type.Integer({ description: '低效类型 1–5 (annex 3 art. 2)' })),
  stage: Nullable(Type.Integer()),
  suspended: Nullable(Type.Boolean()),
  label: Nullable(Type.String()),
  reason: Type.Record(Type.String(), Type.Unknown(), { description: 'the rule, the measured value, the threshold and the source record' }),
}, { additionalProperties: false })

const Figures = Type.Object({
  credit_code: Type.String(),
  name: Type.String(),
  relation: Type.Union([Type.Literal('land_user'), Type.Literal('tenant')]),
  year: Type.Integer(),
  tax_paid_wan: Money(),
  tax_refund_wan: Money(),
  output_wan: Money(),
  value_added_wan: Money(),
  energy_tce: Nullable(Type.Number()),
  employment: Nullable(Type.Integer()),
  profit_wan: Money(),
  rating: Nullable(Type.String()),
  version: Version,
}, { additionalProperties: false })

/** The card (一宗一卡): the parcel's present state. */
export const ParcelCardProperties = Type.Object({
  code: Type.String(),
  county_code: Type.String(),
  county_name: Type.String(),
  cluster_code: Nullable(Type.String()),
  cluster_name: Nullable(Type.String()),
  land_use: Nullable(Type.String()),
  owner_name: Nullable(Type.String({ description: OWNER })),
  stage: Stage,
  ...Area,
  stated_area_m2: Nullable(Type.Number({ description: '登记面积' })),
  version: Version,
  created_at: Timestamp,
  updated_at: Timestamp,
  retired_at: Nullable(Timestamp),
  retired_reason: Nullable(Type.String()),
  plan_zones: Type.Array(Type.Object({
    id: Type.Integer(), zone_type: Type.String(), name: Nullable(Type.String()), overlap_m2: Type.Number(),
  }, { additionalProperties: false }), { description: '规划分区 the parcel lies on, with the overlap' }),
  approval_batches: Type.Array(Type.Object({
    approval_no: Type.String(), name: Nullable(Type.String()), approved_on: IsoDate, overlap_m2: Type.Number(),
  }, { additionalProperties: false }), { description: '批次 the parcel lies on, with the overlap' }),
  land_user: Nullable(Type.Object({
    credit_code: Type.String(), name: Type.String(), industry: Nullable(Type.String()),
    county_code: Nullable(Type.String()), above_scale: Nullable(Type.Boolean()),
  }, { additionalProperties: false }), { description: '土地使用权人 of the contract in force' }),
  tenants: Type.Array(Type.Object({
    lease_id: Type.Integer(), tenant_code: Type.String(), tenant_name: Type.String(),
    landholder_code: Type.String(), landholder_name: Type.String(), starts_on: IsoDate, ends_on: Nullable(IsoDate),
  }, { additionalProperties: false }), { description: '承租企业 with a lease in force (annex 3 art. 14)' }),
  contracts: Type.Array(ContractOnCard, { description: '供地合同, the one in force first' }),
  development: Type.Object({
    started_on: Nullable(IsoDate),
    completed_on: Nullable(IsoDate),
    completion_accepted_on: Nullable(IsoDate),
    production_accepted_on: Nullable(IsoDate),
    halted_since: Nullable(IsoDate),
    developed_area_m2: Nullable(Type.Number()),
    invested_wan: Nullable(Type.Number()),
    last_inspection_on: Nullable(IsoDate),
    events: Type.Array(DevelopmentEvent),
  }, { additionalProperties: false, description: 'DOMAIN.md life cycle 3: the dates that matter, then every development event' }),
  alerts: Type.Array(Type.Object({
    id: Type.Integer(), type: Type.String(), severity: Type.String(), status: Type.String(),
    due_on: Nullable(IsoDate), overlap_m2: Nullable(Type.Number()), created_at: Timestamp,
  }, { additionalProperties: false }), { description: 'open patrol alerts' }),
  ledger: Type.Array(LedgerItem, { description: '工作台账 (annex 3 art. 6), open entries first' }),
  classifications: Type.Array(Classification),
  figures: Type.Optional(Type.Array(Figures, { description: `the latest yearly figures of the land user and its tenants; ${SENSITIVE}` })),
  leases: Type.Optional(Type.Array(Type.Object({
    id: Type.Integer(), landholder_code: Type.String(), tenant_code: Type.String(), tenant_name: Type.String(),
    area_m2: Nullable(Type.Number()), starts_on: IsoDate, ends_on: Nullable(IsoDate), doc_no: Nullable(Type.String()),
  }, { additionalProperties: false }), { description: `租赁 every lease of the land, ended ones too (annex 3 art. 14: whose figures merge into it); only for the roles that see enterprise figures` })),
}, { additionalProperties: false })

export const ParcelCard = FeatureOf(ParcelCardProperties, '宗地卡片 (一宗一卡)')

/** The file (一地一档): every dated event in order. */
export const ParcelFile = Type.Object({
  code: Type.String(),
  total: Type.Integer({ minimum: 0, description: 'events in the whole file' }),
  offset: Type.Integer({ minimum: 0 }),
  limit: Nullable(Type.Integer(), { description: 'null: all of it' }),
  events: Type.Array(Type.Object({
    id: Nullable(Type.Integer({ description: 'event-log id; null for an approval, dated by its batch' })),
    on: IsoDate,
    recorded_at: Timestamp,
    actor: Nullable(Type.String()),
    actor_name: Nullable(Type.String({ description: 'the display name of the user who did it; null for the system' })),
    type: Type.String({ description: 'registration, attribute_change, geometry_change, retirement, approval, supply, contract_indicator, development, inspection, disposal, alert, lease, figures…' }),
    entity: Type.String(),
    entity_id: Nullable(Type.String()),
    action: Type.String(),
    note: Nullable(Type.String()),
    upload: Nullable(Type.String({ description: 'the upload whose commit wrote it' })),
    changes: Nullable(Type.Array(Type.Object({ field: Type.String(), old: Type.Unknown(), new: Type.Unknown() }, { additionalProperties: false }))),
    value: Nullable(Type.Unknown()),
    redacted: Nullable(Type.Boolean({ description: 'a change of sensitive values only: who and when shown, not the values' })),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

export { CountyCode }
