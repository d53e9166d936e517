/** Response shapes of clusters (产业集聚区), shared by the route schemas and the repository. */
import { Type, type Static } from '@sinclair/typebox'

export const ClusterProperties = Type.Object({
  code: Type.String(),
  name: Type.String(),
  short_name: Type.String(),
  county_code: Type.String(),
  county_name: Type.String(),
  target_tax_per_mu: Type.Number({ description: '目标亩均税收, 万元/亩 (seed §一(二)3)' }),
  leading_industries: Type.Array(Type.String(), { description: '主导产业 (seed §二(一)1)' }),
  area_m2: Type.Number(),
  area_mu: Type.Number(),
  boundary_synthetic: Type.Boolean(),
})

export const ClusterFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Any(),
  properties: ClusterProperties,
})
export type ClusterFeature = Static<typeof ClusterFeature>

export const ClusterCollection = Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(ClusterFeature) })
export type ClusterCollection = Static<typeof ClusterCollection>
