/** Request shapes of approval batches (批次: 农用地转用/土地征收 approvals). */
import { Type, type Static } from '@sinclair/typebox'
import { AreaGeometry, BboxQuery, IsoDate, PagingQuery, SearchText } from './common'

export const BatchNo = Type.Object({ no: Type.String({ minLength: 1, maxLength: 100, description: '批准文号' }) })

export const BatchSearchQuery = Type.Object({
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$' }), { maxItems: 20 })),
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
