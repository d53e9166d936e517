/** Answer shapes of tax and output per mu (亩均税收/产值, annex 3 art. 14), built by PostGIS
 * (server/db/repos/permu/*.sql) and described here for OpenAPI. */
import { Type } from '@sinclair/typebox'
import { Nullable } from '../../schemas/common'

const Num = (description?: string) => Nullable(Type.Number(description ? { description } : {}))
const WITHHELD = 'null when withheld: fewer enterprises than permu_disclosure_min_enterprises, for roles that may not see enterprise figures'

/** One unit's figures for a year (city, county or cluster). */
const YearFigures = {
  parcels: Type.Integer(),
  enterprises: Type.Integer(),
  area_mu: Num('亩; null for a year without land'),
  suppressed: Type.Boolean({ description: WITHHELD }),
  target: Num('目标 亩均税收, 万元/亩'),
  tax_wan: Num(),
  tax_refund_wan: Num(),
  output_wan: Num(),
  tax_per_mu: Num('亩均税收, 万元/亩'),
  output_per_mu: Num('亩均产值, 万元/亩'),
  gap: Num('tax_per_mu − target'),
  attainment: Num('tax_per_mu ÷ target'),
  above_target: Nullable(Type.Boolean()),
  rank_per_mu: Nullable(Type.Integer({ description: 'city-wide rank among units of its level' })),
  rank_attainment: Nullable(Type.Integer()),
  change: Num('change of tax_per_mu on the year before'),
}

const Unit = Type.Object({
  code: Nullable(Type.String()),
  name: Nullable(Type.String()),
  county_code: Nullable(Type.String()),
  short_name: Nullable(Type.String()),
  ...YearFigures,
  trend: Type.Array(Type.Object({ year: Type.Integer(), ...YearFigures }, { additionalProperties: false })),
}, { additionalProperties: false })

export const PermuSummary = Type.Object({
  year: Type.Integer(),
  from: Type.Integer(),
  years: Type.Array(Type.Integer()),
  city_target: Num('全市目标 亩均税收'),
  city: Nullable(Unit),
  counties: Type.Array(Unit, { description: 'ranked by tax per mu' }),
  clusters: Type.Array(Unit, { description: 'ranked by tax per mu' }),
}, { additionalProperties: false })

export const PermuParcels = Type.Object({
  year: Type.Integer(),
  items: Type.Array(Type.Object({
    id: Type.Integer(),
    code: Type.String(),
    county_code: Type.String(),
    cluster_code: Nullable(Type.String()),
    land_user_code: Nullable(Type.String()),
    enterprises: Type.Integer(),
    area_mu: Type.Number(),
    tax_wan: Num(),
    tax_refund_wan: Num(),
    output_wan: Num(),
    tax_per_mu: Num(),
    output_per_mu: Num(),
    target: Num(),
    target_source: Nullable(Type.Unknown({ description: 'the rule or cluster target it was measured against' })),
    attainment: Num(),
    contributors: Nullable(Type.Array(Type.Object({
      credit_code: Type.String(), relation: Type.String(), share: Type.Number(), tax_wan: Num(), output_wan: Num(),
    }, { additionalProperties: false }), { description: 'the land user and tenants whose figures are merged into the land (annex 3 art. 14)' })),
    missing: Nullable(Type.Unknown({ description: 'figures missing for the year' })),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
