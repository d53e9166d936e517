/** Response shapes of the county outlines (区县界) and the city's extent (public reference data). */
import { Type, type Static } from '@sinclair/typebox'

export const CountyFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Any({ description: 'MultiPolygon, EPSG:4490' }),
  properties: Type.Object({
    code: Type.String({ description: 'GB/T 2260 code (2021)' }),
    name: Type.String(),
    area_km2: Type.Number({ description: 'ellipsoidal area of the outline, km²' }),
  }),
})

export const CountyCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  source: Type.String({ description: 'where the outlines come from' }),
  precision_m: Type.Number({ description: 'how far the outlines may be off, m' }),
  features: Type.Array(CountyFeature),
})
export type CountyCollection = Static<typeof CountyCollection>

export const CityExtent = Type.Object({
  type: Type.Literal('Feature'),
  geometry: Type.Any({ description: 'MultiPolygon, EPSG:4490: the county outlines united and widened by precision_m' }),
  properties: Type.Object({
    precision_m: Type.Number(),
    source: Type.String(),
    bbox: Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: 'west, south, east, north' }),
  }),
})
export type CityExtent = Static<typeof CityExtent>
