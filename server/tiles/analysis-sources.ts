/** Where the map reads what the analysis engine (analysis.*, sql/migrations/300_analysis.sql)
 * materialises: the findings per parcel (闲置, 低效 by type, 未供即用) and the unsupplied
 * remainders of approval batches (批而未供, DOMAIN.md "Classifications"). The map computes none
 * of it; it only picks, per parcel, the finding to colour by.
 *
 * Each relation is probed at start: while one is missing, the parcel `class` attribute is null
 * (the map then colours parcels by `stage`) and the `unsupplied` layer answers 404 "not
 * available". The engine fills its tables at its first full recompute (analysis.refresh_all);
 * before that `class` is null too. Switch here, and only here, if the engine's names change. */
import type { AttributeDef } from './layer-def'

/** The order a parcel with several findings is coloured by: the most urgent first. Plan
 * conformity findings are not a colour class (they sit beside the land-status classes). */
export const CLASS_PRIORITY = ['used_before_supply', 'idle', 'inefficient'] as const

export const CLASSIFICATION = {
  relation: 'analysis.parcel_status',
  // A suspended finding (idleness caused by the government, 2012 art. 8) does not colour the parcel.
  join: `LEFT JOIN LATERAL (
    SELECT s.classification, s.inefficient_type, s.stage FROM analysis.parcel_status s
     WHERE s.parcel_id = p.id AND NOT s.suspended
       AND s.classification IN ('${CLASS_PRIORITY.join("', '")}')
     ORDER BY array_position(ARRAY['${CLASS_PRIORITY.join("', '")}'], s.classification), s.inefficient_type, s.stage DESC
     LIMIT 1) pc ON true`,
  classSql: 'pc.classification::text',
  /** idle_1 / idle_2 (fee vs recovery stage), inefficient_1 … inefficient_6. */
  detailSql: `CASE pc.classification
      WHEN 'idle' THEN 'idle_' || pc.stage
      WHEN 'inefficient' THEN 'inefficient_' || pc.inefficient_type
    END`,
  /** Tables whose changes re-classify a parcel, beyond the parcel layer's own. */
  tables: ['development_event', 'contract_indicator', 'county_rule', 'disposal_ledger', 'lease', 'parcel_flag'],
} as const

export const UNSUPPLIED = {
  table: 'analysis.unsupplied_remainder',
  featureId: 'u.batch_id',
  attributes: [
    { name: 'approval_no', sql: 'u.approval_no', type: 'String', title: '批准文号', visibleTo: 'signedIn' },
    { name: 'county_code', sql: 'u.county_code::text', type: 'String', title: '区县代码', visibleTo: 'signedIn' },
    { name: 'cluster_code', sql: 'u.cluster_code', type: 'String', title: '集聚区', visibleTo: 'signedIn' },
    { name: 'approved_on', sql: 'u.approved_on::text', type: 'String', title: '批准日期', visibleTo: 'signedIn' },
    { name: 'old_stock', sql: 'u.old_stock', type: 'Boolean', title: '2018年前存量', visibleTo: 'signedIn' },
    { name: 'remainder_mu', sql: 'round(u.remainder_mu, 2)::float8', type: 'Number', title: '未供面积（亩）', visibleTo: 'signedIn' },
    { name: 'digestion_rate', sql: 'round(u.digestion_rate, 4)::float8', type: 'Number', title: '消化率', visibleTo: 'signedIn' },
  ] satisfies AttributeDef[],
} as const

/** Named joins that read a relation which may be missing. */
export const OPTIONAL_RELATIONS: Record<string, string> = {
  classification: CLASSIFICATION.relation,
}
