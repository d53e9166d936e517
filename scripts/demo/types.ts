/** Row shapes of the demo data. Each matches its table in sql/migrations/001_land_model.sql
 * column for column, except that surrogate keys are replaced by the natural key they point to
 * (parcel_code for parcel_id, contract_no for contract_id, linked_period + linked_code for
 * rs_change.linked_to): the loader resolves them. Generated columns (area_m2, area_mu) and
 * defaults (version, created_at…) are never present. Dates are 'YYYY-MM-DD'. */
import type { MultiPolygon } from './geo'
import type { DemoCase } from './cases'

export type { MultiPolygon } from './geo'

export type ZoneType = 'industrial' | 'logistics' | 'residential' | 'public' | 'green' | 'road' | 'other'
export type Stage = 'approved' | 'supplied' | 'under_construction' | 'completed' | 'producing' | 'recovered'
export type EventKind =
  | 'start' | 'progress' | 'halt' | 'resume' | 'completion'
  | 'completion_acceptance' | 'production_acceptance' | 'inspection'
export type Indicator =
  | 'plot_ratio' | 'building_density' | 'investment_intensity' | 'output_intensity'
  | 'building_coefficient' | 'green_ratio' | 'admin_share' | 'tax_per_mu'
export type Rating = 'A' | 'B' | 'C' | 'D'
export type ChangeType = 'new_construction' | 'demolition' | 'earth_moving'

export interface CountyRow {
  code: string
  name: string
}

export interface ClusterRow {
  code: string
  name: string
  short_name: string
  county_code: string
  target_tax_per_mu: number
  leading_industries: string[]
  boundary: MultiPolygon
  boundary_synthetic: boolean
}

export interface PlanZoneRow {
  cluster_code: string
  county_code: string
  zone_type: ZoneType
  name: string
  geom: MultiPolygon
}

export interface ApprovalBatchRow {
  approval_no: string
  name: string
  county_code: string
  cluster_code: string | null
  approved_on: string
  geom: MultiPolygon
}

export interface EnterpriseRow {
  credit_code: string
  name: string
  county_code: string
  industry: string
  above_scale: boolean
  intelligent_retrofit: boolean
  /** Personal data: never public. */
  legal_person: string
  /** Personal data: never public. Fictitious (the 1xx-0000-xxxx placeholder range). */
  contact_phone: string
}

export interface ParcelRow {
  code: string
  county_code: string
  cluster_code: string | null
  land_use: string
  stage: Stage
  stated_area_m2: number
  geom: MultiPolygon
}

export interface SupplyContractRow {
  contract_no: string
  parcel_code: string
  county_code: string
  supply_method: 'grant' | 'allocation'
  land_user_code: string
  land_use: string
  signed_on: string
  price_wan: number
  agreed_start_on: string
  agreed_completion_on: string
  total_investment_wan: number
  planned_floor_area_m2: number
  is_standard_land: boolean
  term_years: number | null
  major_project: boolean
  terminated_on: string | null
}

export interface ContractIndicatorRow {
  contract_no: string
  indicator: Indicator
  unit: string
  direction: 'min' | 'max'
  value: number
  is_core: boolean
}

export interface DevelopmentEventRow {
  parcel_code: string
  county_code: string
  kind: EventKind
  occurred_on: string
  /** Cumulative as of the event. */
  developed_area_m2: number | null
  /** Cumulative as of the event. */
  invested_wan: number | null
  measured: Partial<Record<Indicator, number>> | null
  government_caused: boolean
  note: string | null
  recorded_by: string
}

export interface LeaseRow {
  parcel_code: string
  county_code: string
  landholder_code: string
  tenant_code: string
  starts_on: string
  ends_on: string | null
}

export interface EnterpriseYearRow {
  credit_code: string
  year: number
  tax_paid_wan: number
  tax_refund_wan: number
  output_wan: number
  value_added_wan: number
  energy_tce: number
  employment: number
  profit_wan: number
  rating: Rating
}

export interface CountyRuleRow {
  county_code: string | null
  key: string
  value: unknown
  effective_from: string
  note: string
}

export interface RsChangeRow {
  code: string
  period: string
  change_type: ChangeType
  image_before: string
  image_after: string
  county_code: string
  /** With linked_code: the same change detected in an earlier period (rs_change.linked_to). */
  linked_period: string | null
  linked_code: string | null
  geom: MultiPolygon
}

export interface DisposalLedgerRow {
  parcel_code: string
  county_code: string
  measure: '自主开发' | '政府收储' | '二次开发' | '收回' | '闲置费'
  deadline: string
  responsible_unit: string
  progress: string | null
  completed_on: string | null
}

/** What one parcel brings with it: everything that hangs off the parcel, so that the streaming
 * generator can emit it and forget it. */
export interface ParcelBundle {
  parcel: ParcelRow
  /** The land user (first) and any tenants; empty when the parcel is unsupplied or its land user
   * was already emitted with an earlier parcel. */
  enterprises: EnterpriseRow[]
  /** Name of the land user (权利人), also when it was emitted earlier; null when unsupplied. */
  landUserName: string | null
  contract: SupplyContractRow | null
  indicators: ContractIndicatorRow[]
  events: DevelopmentEventRow[]
  leases: LeaseRow[]
  years: EnterpriseYearRow[]
}

/** 低效 types 1 and 6 (annex 3 art. 2(1), 2(6)): flags an official sets, with the reason. */
export interface ParcelFlagRow {
  parcel_code: string
  county_code: string
  kind: 'industry_transition' | 'other'
  reason: string
  set_by: string
  set_on: string
  cleared_on: string | null
}

/** Everything the demo generator builds (generate.ts), as the loader and retime() read it. */
export interface DemoData {
  seed: number
  referenceDate: string
  counties: CountyRow[]
  clusters: ClusterRow[]
  planZones: PlanZoneRow[]
  approvalBatches: ApprovalBatchRow[]
  enterprises: EnterpriseRow[]
  parcels: ParcelRow[]
  supplyContracts: SupplyContractRow[]
  contractIndicators: ContractIndicatorRow[]
  developmentEvents: DevelopmentEventRow[]
  leases: LeaseRow[]
  enterpriseYears: EnterpriseYearRow[]
  countyRules: CountyRuleRow[]
  rsChanges: RsChangeRow[]
  disposalLedger: DisposalLedgerRow[]
  /** 低效 types 1 and 6: officials' flags (scripts/demo/flags.ts). */
  parcelFlags: ParcelFlagRow[]
  /** The built cases (the same list as DEMO_CASES). */
  cases: readonly DemoCase[]
}
