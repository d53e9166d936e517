/** Request and answer shapes of the patrol alerts (DOMAIN.md "Dynamic monitoring"). The alerts
 * themselves are built by PostGIS (server/db/repos/alerts/*.sql) and described here for OpenAPI. */
import { Type, type Static } from '@sinclair/typebox'
import { ACTIONS, ALERT_STATUSES, ALERT_TYPES, type AlertAction, type AlertStatus } from '../../db/repos/alerts'
import {
  GeoJsonGeometry, IfMatchHeaders, IsoDate, Nullable, Timestamp, Version,
} from '../../schemas/common'
import { ALERT_ACTION, ALERT_STATUS, ALERT_TYPE } from '../../labels/codes'

/** The codes as literals, described with their labels (server/labels/codes.ts). */
const literals = <T extends string>(xs: readonly T[], title: string, labels: Readonly<Record<T, string>>) =>
  Type.Union(xs.map((x) => Type.Literal(x)), { description: `${title}: ${xs.map((x) => `${x} ${labels[x]}`).join(', ')}` })

export const AlertTypeSchema = literals(ALERT_TYPES, '预警类型', ALERT_TYPE)
export const AlertStatusSchema = literals(ALERT_STATUSES, '状态', ALERT_STATUS)

export const AlertQuery = Type.Object({
  status: Type.Optional(Type.Array(AlertStatusSchema, { maxItems: ALERT_STATUSES.length, description: 'repeatable' })),
  type: Type.Optional(Type.Array(AlertTypeSchema, { maxItems: ALERT_TYPES.length, description: 'repeatable' })),
  cluster: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 18, description: '集聚区代码, repeatable' })),
  county: Type.Optional(Type.Array(Type.String({ pattern: '^4103\\d\\d(,4103\\d\\d)*$', maxLength: 139 }), { maxItems: 20, description: '区县代码, repeatable' })),
  assignee: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'username of the assignee, or "me"' })),
  open: Type.Optional(Type.Boolean({ description: 'true: new, assigned or in field' })),
  overdue: Type.Optional(Type.Boolean({ description: 'true: open and past its due date' })),
  due_soon: Type.Optional(Type.Boolean({ description: 'true: open and due within alert_due_soon_days (county rule)' })),
  escalated: Type.Optional(Type.Boolean({ description: 'true: escalated to the county analyst' })),
  parcel: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '宗地编号' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
}, { additionalProperties: false })
export type AlertQuery = Static<typeof AlertQuery>

export const IfMatch = Type.Object({
  'if-match': IfMatchHeaders.properties['if-match'],
})

export const AlertId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) })

export const Finding = Type.Object({
  notes: Type.String({ minLength: 1, maxLength: 4000, description: '核查情况' }),
  visited_on: IsoDate,
  position: Type.Optional(Type.Union([Type.Object({
    lon: Type.Number({ minimum: 73, maximum: 136, description: 'EPSG:4490 longitude' }),
    lat: Type.Number({ minimum: 3, maximum: 54, description: 'EPSG:4490 latitude' }),
  }, { additionalProperties: false }), Type.Null()], { description: '核查位置' })),
  started_on: Type.Optional(Type.Union([IsoDate, Type.Null()], { description: '实际动工日期 (a confirmed start)' })),
  parcel_code: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
    description: '未供即用 on land with no parcel in the alert: the parcel the ledger entry goes to',
  })),
}, { additionalProperties: false })

export const AlertStepBody = Type.Object({
  action: literals(ACTIONS, '步骤 (who may take each: GET /api/alerts/transitions)', ALERT_ACTION),
  assignee: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'assign: the inspector\'s username' })),
  finding: Type.Optional(Finding),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: '说明, kept in the event log' })),
}, { additionalProperties: false })
export type AlertStepBody = Static<typeof AlertStepBody>

export const ScanBody = Type.Object({
  types: Type.Optional(Type.Array(AlertTypeSchema, { minItems: 1, maxItems: ALERT_TYPES.length, description: 'default: no_change_after_start_date' })),
  as_of: Type.Optional(IsoDate),
}, { additionalProperties: false })

export const RouteParams = Type.Object({ cluster: Type.String({ minLength: 1, maxLength: 64 }) })
export const RouteBody = Type.Object({ inspector: Type.String({ minLength: 2, maxLength: 64 }) }, { additionalProperties: false })
export const PhotoParams = Type.Object({ id: AlertId.properties.id, photoId: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) })

// ---- Answers

const Severity = Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')])
const Image = { image_before: Nullable(IsoDate), image_after: Nullable(IsoDate) }
const state = {
  id: Type.Integer(),
  type: AlertTypeSchema,
  severity: Severity,
  status: AlertStatusSchema,
  version: Version,
  label: Nullable(Type.String({ description: 'what the rule saw, in Chinese' })),
  county_code: Type.String(),
  cluster_code: Nullable(Type.String()),
  overlap_m2: Nullable(Type.Number()),
  overlap_share: Nullable(Type.Number()),
  due_on: Nullable(IsoDate),
  overdue: Nullable(Type.Boolean({ description: 'open and past its due date (Luoyang\'s date)' })),
  days_overdue: Nullable(Type.Integer()),
  escalated_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
}

/** A page of the list or the inbox: open first, overdue first, then by due date. */
export const AlertPage = Type.Object({
  numberMatched: Type.Integer({ minimum: 0 }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  items: Type.Array(Type.Object({
    ...state,
    parcel_code: Nullable(Type.String()),
    approval_no: Nullable(Type.String()),
    change_code: Nullable(Type.String()),
    period: Nullable(Type.String()),
    change_type: Nullable(Type.String()),
    ...Image,
    assignee: Nullable(Type.String()),
    assignee_name: Nullable(Type.String()),
    escalated_to: Nullable(Type.String()),
    point: Nullable(Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '[longitude, latitude] of a point on the change (or parcel, batch), EPSG:4490' })),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

const Person = Nullable(Type.Object({ username: Type.String(), display_name: Nullable(Type.String()) }, { additionalProperties: false }))

/** One alert with everything an inspector needs in the field. */
export const AlertDetail = Type.Object({
  ...state,
  cluster_name: Nullable(Type.String()),
  as_of: Nullable(IsoDate),
  assigned_at: Nullable(Timestamp),
  closed_at: Nullable(Timestamp),
  assignee: Person,
  escalated_to: Person,
  change: Nullable(Type.Object({
    id: Type.Integer(), code: Nullable(Type.String()), period: Nullable(Type.String()), change_type: Nullable(Type.String()),
    ...Image, area_m2: Nullable(Type.Number()), geometry: GeoJsonGeometry,
  }, { additionalProperties: false }), { description: 'the remote-sensing change polygon' }),
  detections: Type.Array(Type.Object({
    id: Type.Integer(), code: Nullable(Type.String()), period: Nullable(Type.String()), change_type: Nullable(Type.String()),
    ...Image, overlap_m2: Nullable(Type.Number()), overlap_share: Nullable(Type.Number()), linked_to: Nullable(Type.Integer()),
  }, { additionalProperties: false }), { description: 'every detection of the change, across periods' }),
  parcel: Nullable(Type.Object({
    code: Type.String(), stage: Type.String(), land_use: Nullable(Type.String()), area_m2: Type.Number(), area_mu: Type.Number(),
    started_on: Nullable(IsoDate), geometry: GeoJsonGeometry,
  }, { additionalProperties: false })),
  batch: Nullable(Type.Object({ approval_no: Type.String(), name: Nullable(Type.String()), approved_on: IsoDate }, { additionalProperties: false })),
  contract: Nullable(Type.Object({ contract_no: Type.String(), signed_on: IsoDate, agreed_start_on: Nullable(IsoDate) }, { additionalProperties: false })),
  reason: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'the rule, the measured overlap, the threshold' })),
  finding: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'what the inspector found in the field' })),
  ledger_id: Nullable(Type.Integer()),
  start_event_id: Nullable(Type.Integer()),
  photos: Nullable(Type.Array(Type.Object({
    id: Type.Integer(), url: Type.String(), media_type: Type.String(), size_bytes: Type.Integer(), sha256: Type.String(),
    file_name: Nullable(Type.String()), uploaded_by: Nullable(Type.String()), uploaded_at: Timestamp,
  }, { additionalProperties: false })), { description: 'null for roles that may not see field photos' }),
  history: Type.Array(Type.Object({
    at: Timestamp, actor: Nullable(Type.String()), actor_name: Nullable(Type.String()), action: Type.String(), from: Nullable(Type.String()), to: Nullable(Type.String()),
    assignee_id: Nullable(Type.Integer()), note: Nullable(Type.String()),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

/** The state machine of an alert, as the repository enforces it (db/repos/alerts TRANSITIONS). */
const StatusName = Type.Unsafe<AlertStatus>({ type: 'string', enum: [...ALERT_STATUSES] })
export const AlertTransitions = Type.Object({
  statuses: Type.Array(Type.Object({ status: StatusName, label: Type.String() }, { additionalProperties: false })),
  actions: Type.Array(Type.Object({
    action: Type.Unsafe<AlertAction>({ type: 'string', enum: [...ACTIONS] }),
    label: Type.String(),
    from: Type.Array(StatusName),
    to: StatusName,
    by: Type.Union([Type.Literal('supervisor'), Type.Literal('inspector'), Type.Literal('assignee')], {
      description: 'supervisor: admin or analyst; inspector: an inspector taking a new alert; assignee: the assigned inspector, or a supervisor for them',
    }),
    requires: Nullable(Type.Union([Type.Literal('assignee'), Type.Literal('finding')])),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

/** The cluster → inspector routing. */
export const AlertRoutes = Type.Array(Type.Object({
  cluster_code: Type.String(), cluster_name: Type.String(), county_code: Type.String(),
  inspector: Nullable(Type.String()), inspector_name: Nullable(Type.String()), updated_at: Nullable(Timestamp),
}, { additionalProperties: false }))

/** Whom an alert may be assigned to. */
export const AlertAssignees = Type.Object({
  alert_id: Type.Integer(),
  county_code: Type.String(),
  assignee: Nullable(Type.String({ description: 'the inspector it is assigned to now' })),
  inspectors: Type.Array(Type.Object({
    username: Type.String(),
    display_name: Type.String(),
    city_wide: Type.Boolean(),
    open_alerts: Type.Integer({ minimum: 0, description: 'alerts assigned to them or in the field now' }),
  }, { additionalProperties: false }), { description: 'active inspectors whose counties hold the alert\'s county, county inspectors first' }),
}, { additionalProperties: false })
