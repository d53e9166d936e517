/** Request shapes of parcels (宗地): search, edit, retirement, development events. The card and
 * the file are built by PostGIS (server/db/repos/parcels/*.sql) and described here for OpenAPI. */
import { Type, type Static } from '@sinclair/typebox'
import { AreaGeometry, BboxQuery, CountyCode, IsoDate, PagingQuery, SearchText } from './common'

/** DOMAIN.md "The land's life cycle" as parcel.stage. */
export const STAGES = ['approved', 'supplied', 'under_construction', 'completed', 'producing', 'recovered'] as const
export const Stage = Type.Union(STAGES.map((s) => Type.Literal(s)), {
  description: '生命周期阶段: approved 已批, supplied 已供, under_construction 在建, completed 竣工, producing 投产, recovered 已收回',
})

/** The classifications of DOMAIN.md the analysis functions compute. */
export const KINDS = ['idle', 'inefficient', 'used_before_supply', 'conformity'] as const

export const ParcelSearchQuery = Type.Object({
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18, description: '集聚区代码, repeatable' })),
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$' }), { maxItems: 20, description: '区县代码, repeatable' })),
  status: Type.Optional(Type.Array(Stage, { maxItems: STAGES.length, description: 'life-cycle stage, repeatable' })),
  kind: Type.Optional(Type.Array(Type.Union(KINDS.map((k) => Type.Literal(k))), { description: '分类: idle 闲置, inefficient 低效, used_before_supply 未供即用, conformity 规划不符 (repeatable; 批而未供 is a batch class: /api/analysis/unsupplied)' })),
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
  measured: Type.Union([Type.Record(Type.String({ pattern: '^[a-z_]{1,40}$' }), Type.Number()), Type.Null()], {
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

export { CountyCode }
