/** Answer shapes of the public disclosure (§四(四)): the lists of approved-unsupplied, idle and
 * inefficient land as published. These routes answer objects, which Fastify serialises with
 * these schemas: a key not named here never leaves the server, so the schemas are the allow-list
 * of what the public sees (DOMAIN.md "Governance": no tax, output, price or personal data). */
import { Type } from '@sinclair/typebox'
import { GeoJsonGeometry, IsoDate, Nullable, Timestamp } from './common'

const CLASS = Type.Union([Type.Literal('unsupplied'), Type.Literal('idle'), Type.Literal('inefficient')], {
  description: 'unsupplied 批而未供, idle 闲置, inefficient 低效',
})

/** One published item: what it is, where, how large, since when, who disposes of it. */
export const DisclosureItem = Type.Object({
  seq: Type.Integer(),
  class: CLASS,
  class_label: Type.String(),
  ref: Type.String({ description: '宗地编号, or the 批准文号 of a batch' }),
  detail: Nullable(Type.String({ description: 'idle stage, inefficient types' })),
  county_code: Type.String(),
  county_name: Type.String(),
  cluster_code: Nullable(Type.String()),
  cluster_name: Nullable(Type.String()),
  area_m2: Type.Number(),
  area_mu: Type.Number(),
  since: Nullable(IsoDate),
  responsible_unit: Type.String(),
  lon: Type.Number({ description: 'a point on it, EPSG:4490' }),
  lat: Type.Number(),
}, { additionalProperties: false })

const Count = Type.Object({ items: Type.Integer({ minimum: 0 }), area_mu: Type.Number() }, { additionalProperties: false })
const Counts = Type.Object({ unsupplied: Count, idle: Count, inefficient: Count }, { additionalProperties: false })

export const DisclosureSnapshot = Type.Object({
  id: Type.Integer(),
  as_of: IsoDate,
  published_at: Timestamp,
  basis: Type.String({ description: 'the rule that asks for the publication' }),
  settings: Type.Array(Type.Object({
    county_code: Type.String(), county_name: Type.String(),
    unsupplied: Type.Boolean(), idle: Type.Boolean(), inefficient: Type.Boolean(),
  }, { additionalProperties: false }), { description: 'per county, which classes were published' }),
  counts: Counts,
  items: Type.Array(DisclosureItem),
}, { additionalProperties: false })

/** A publication not made: what publishing now would show (no id, no publication time). */
export const DisclosurePreview = Type.Object({
  as_of: IsoDate,
  basis: DisclosureSnapshot.properties.basis,
  settings: DisclosureSnapshot.properties.settings,
  counts: Counts,
  items: Type.Array(DisclosureItem),
}, { additionalProperties: false })

export const DisclosureList = Type.Object({
  snapshots: Type.Array(Type.Object({
    id: Type.Integer(), as_of: IsoDate, published_at: Timestamp, counts: Counts,
  }, { additionalProperties: false })),
}, { additionalProperties: false })

export const DisclosureCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  snapshot_id: Type.Integer(),
  as_of: IsoDate,
  features: Type.Array(Type.Object({
    type: Type.Literal('Feature'), id: Type.Integer(), geometry: GeoJsonGeometry, properties: DisclosureItem,
  }, { additionalProperties: false })),
}, { additionalProperties: false })
