/** Request and answer shapes of approval batches (批次: 农用地转用/土地征收 approvals). */
import { Type, type Static } from '@sinclair/typebox'
import { AreaGeometry, BboxQuery, FeatureOf, IsoDate, Nullable, PageMembers, PagingQuery, SearchText, Timestamp, Version } from './common'

export const BatchNo = Type.Object({ no: Type.String({ minLength: 1, maxLength: 100, description: '批准文号' }) })

export const BatchSearchQuery = Type.Object({
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20 })),
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18 })),
  q: Type.Optional(SearchText),
  bbox: Type.Optional(BboxQuery),
  approved_from: Type.Optional(IsoDate),
  approved_to: Type.Optional(IsoDate),
  limit: Type.Optional(PagingQuery.limit),
  offset: Type.Optional(PagingQuery.offset),
  cursor: Type.Optional(PagingQuery.cursor),
}, { additionalProperties: false })

export const BatchPatch = Type.Object({
  name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  cluster_code: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  approved_on: Type.Optional(IsoDate),
  geometry: Type.Optional(AreaGeometry),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false, minProperties: 1 })
export type BatchPatch = Static<typeof BatchPatch>

// ---- Answers (described for OpenAPI; built by server/db/repos/batches/*.sql)

const summary = {
  approval_no: Type.String({ description: '批准文号' }),
  name: Nullable(Type.String()),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  approved_on: IsoDate,
  area_m2: Type.Number({ description: '椭球面积 m²' }),
  area_mu: Type.Number(),
  version: Version,
}

export const BatchPage = Type.Object({
  type: Type.Literal('FeatureCollection'),
  ...PageMembers,
  features: Type.Array(FeatureOf(Type.Object(summary, { additionalProperties: false }))),
}, { additionalProperties: false })

export const BatchView = FeatureOf(Type.Object({
  ...summary,
  created_at: Timestamp,
  parcels: Type.Array(Type.Object({
    code: Type.String(), stage: Type.String(), overlap_m2: Type.Number(),
  }, { additionalProperties: false }), { description: 'the parcels on it in the caller\'s counties, with the overlap' }),
}, { additionalProperties: false }), '批次 (approval batch)')
