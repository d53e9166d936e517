/** Patrol alerts (DOMAIN.md "Dynamic monitoring"): the inbox and the list, one alert with
 * its change polygon, parcel and history, the workflow new → assigned → in field → confirmed /
 * false positive → closed with optimistic concurrency (If-Match; two inspectors acting at once: the
 * second gets 409), the finding and its effects on the parcel's file (a confirmed start records the
 * start; a confirmed 未供即用 opens a ledger entry), photos, routing, and the scans that run the
 * rules. Every read and write takes the caller's county scope and applies it in SQL; every write
 * runs in one transaction that first names its actor, so that the event log records who and when. */
import type { ColumnSet, IDatabase, IMain, ITask } from 'pg-promise'
import type { Role } from '../../../config'
import { sqlLoader } from '../../sql'
import { setActor, type Writer } from '../../actor'
import type { Viewer } from '../../viewer'
import { HttpError } from '../../../errors'
import { ALERT_ACTION, ALERT_STATUS, ALERT_TYPE, label } from '../../../labels/codes'
import { invalidField, versionConflict, versionFor, type IfMatch } from '../../../schemas/common'

const sql = sqlLoader(import.meta.url)
const Q = {
  list: sql('list.sql'),
  detail: sql('detail.sql'),
  assignees: sql('assignees.sql'),
  lock: sql('lock.sql'),
  update: sql('update.sql'),
  inspector: sql('inspector.sql'),
  startEvent: sql('start-event.sql'),
  ledgerOpen: sql('ledger-open.sql'),
  parcelInScope: sql('parcel-in-scope.sql'),
  photoInsert: sql('photo-insert.sql'),
  photoGet: sql('photo-get.sql'),
  scan: sql('scan.sql'),
  uploadChanges: sql('upload-changes.sql'),
  routes: sql('routes.sql'),
  routeSet: sql('route-set.sql'),
  photoAllowed: sql('photo-allowed.sql'),
  hasScanned: sql('has-scanned.sql'),
}

type Conn = IDatabase<unknown> | ITask<unknown>

// The alert types, statuses and steps are the keys of their labels (server/labels/codes.ts), so a
// code cannot exist without the Chinese the web map and the messages show for it.
export type AlertType = keyof typeof ALERT_TYPE
export const ALERT_TYPES = Object.keys(ALERT_TYPE) as readonly AlertType[]
export type AlertStatus = keyof typeof ALERT_STATUS
export const ALERT_STATUSES = Object.keys(ALERT_STATUS) as readonly AlertStatus[]
export type AlertAction = keyof typeof ALERT_ACTION
export const ACTIONS = Object.keys(ALERT_ACTION) as readonly AlertAction[]

/** Roles that direct the work: assign, re-assign, act for an inspector, scan on demand. */
export const SUPERVISORS: readonly Role[] = ['admin', 'analyst']
/** Roles that see photos (evidence about named enterprises' land: not for every role). */
export const PHOTO_ROLES: readonly Role[] = ['admin', 'analyst', 'inspector']

/** Who acts: the counties (applied in SQL), the account, its role and whether it may see enterprise figures. */
export type AlertViewer = Pick<Viewer, 'scope' | 'userId' | 'username' | 'role' | 'sensitive'>

export interface AlertFilter {
  status: string[] | null
  type: string[] | null
  cluster: string[] | null
  county: string[] | null
  assignee: string | null
  open: boolean | null
  overdue: boolean | null
  dueSoon: boolean | null
  escalated: boolean | null
  parcel: string | null
  limit: number
  offset: number
}

export interface Finding {
  notes: string
  visited_on: string
  position?: { lon: number; lat: number } | null
  started_on?: string | null
  parcel_code?: string | null
}

export interface AlertStep {
  action: AlertAction
  assignee?: string
  finding?: Finding
  note?: string
}

/** A JSON document built by PostGIS, with the row version (ETag). */
export interface Versioned { version: number; json: string }

export interface PhotoRow { id: number; sha256: string; media_type: 'image/jpeg' | 'image/png'; size_bytes: number }

export interface ScanResult {
  id: number
  result: { as_of: string; candidates: number; created: number; assigned: number; detections_linked: number; changes_linked: number; duration_ms: number; escalated: number }
}

export const ALERT_MESSAGES = {
  notFound: (id: number | string) => `未找到巡查预警 ${id} / no such alert`,
  transition: (action: string, status: string) =>
    `预警当前状态为「${label('alertStatus', status)}」，不能执行「${label('alertAction', action)}」/ an alert in status ${status} cannot be ${action}`,
  notAssignee: '该预警已分派给其他巡查员，只有被分派人或分析员可以处理 / the alert is assigned to another inspector: only the assignee or an analyst may act on it',
  assignForbidden: '只有分析员或管理员可以分派预警；巡查员可领取未分派的预警 / only analysts and admins assign alerts; an inspector may take an unassigned one',
  noAssignee: '请指定被分派的巡查员（assignee）/ name the inspector to assign (assignee)',
  badAssignee: (u: string) => `${u} 不是负责该区县的在岗巡查员 / ${u} is not an active inspector of the alert's county`,
  findingRequired: '确认或排除预警须填写核查记录（finding：说明、核查日期）/ confirming or dismissing needs a finding (notes, visited_on)',
  future: (field: string, d: string, today: string) => `${field} ${d} 晚于今天 ${today} / ${field} ${d} is after today (${today})`,
  noParcel: (code: string) => `未找到宗地 ${code}（或不在您的辖区）/ no parcel ${code} in your counties`,
  photoStatus: (status: string) =>
    `预警状态为「${label('alertStatus', status)}」，只能在核查完成前上传照片 / photos are taken before the alert is confirmed or dismissed (it is ${status})`,
}

/** Who may take a step: a supervisor (SUPERVISORS), an inspector taking a new alert for
 * themselves, or the alert's assignee (a supervisor may act for them). */
export type AlertActor = 'supervisor' | 'inspector' | 'assignee'

export interface AlertTransition {
  from: readonly AlertStatus[]
  to: AlertStatus
  by: AlertActor
  /** What the step must carry: the inspector assigned, or the field finding. */
  requires: 'assignee' | 'finding' | null
}

/** The state machine of a patrol alert (DOMAIN.md "Dynamic monitoring": 发现 → 分派 → 现场核查 →
 * 确认或排除 → 办结): from which statuses each step may be taken, where it leads and who takes it.
 * act() reads it, and GET /api/alerts/transitions publishes it for the web map. */
export const TRANSITIONS: Readonly<Record<AlertAction, AlertTransition>> = {
  assign: { from: ['new', 'assigned', 'in_field'], to: 'assigned', by: 'supervisor', requires: 'assignee' },
  take: { from: ['new'], to: 'assigned', by: 'inspector', requires: null },
  start_field: { from: ['assigned'], to: 'in_field', by: 'assignee', requires: null },
  confirm: { from: ['in_field'], to: 'confirmed', by: 'assignee', requires: 'finding' },
  false_positive: { from: ['in_field'], to: 'false_positive', by: 'assignee', requires: 'finding' },
  close: { from: ['confirmed', 'false_positive'], to: 'closed', by: 'assignee', requires: null },
}

/** The columns of an alert a workflow step may write. */
const STEP_COLUMNS = ['status', 'assignee_id', 'assigned_at', 'finding', 'start_event_id', 'ledger_id', 'closed_at'] as const

interface Locked {
  id: number
  type: AlertType | string
  status: AlertStatus
  version: number
  assignee_id: number | null
  parcel_id: number | null
  county_code: string | null
  change_id: number | null
  today: string
}

export class AlertsRepo {
  private columns?: ColumnSet

  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async list(f: AlertFilter, viewer: Pick<AlertViewer, 'scope'>): Promise<string> {
    return this.db.one(Q.list, { scope: viewer.scope, ...f }, (r: { page: string }) => r.page)
  }

  async detail(id: number, viewer: Pick<AlertViewer, 'scope' | 'role' | 'sensitive'>, conn: Conn = this.db): Promise<Versioned | null> {
    const row = await conn.oneOrNone(Q.detail, { id, scope: viewer.scope, sensitive: viewer.sensitive, photos: (viewer.role !== null && PHOTO_ROLES.includes(viewer.role)) })
    return row ? { version: row.version, json: row.alert } : null
  }

  /** Whom a supervisor may assign an alert to: the active inspectors of its county (or the whole
   * city), each with the open alerts they already carry; null when missing or out of scope. */
  async assignees(id: number, viewer: Pick<AlertViewer, 'scope'>): Promise<string | null> {
    const row = await this.db.oneOrNone(Q.assignees, { id, scope: viewer.scope })
    return row?.assignees ?? null
  }

  /**
   * One workflow step on the version the caller saw. 404 when missing or out of scope; 409 with the
   * current alert when someone acted first (the row is locked, so of two inspectors acting at once
   * the second sees the first's version); 409 when the status does not allow the step; 403 when an
   * inspector acts on another inspector's alert.
   */
  async act(id: number, viewer: AlertViewer, ifMatch: IfMatch, step: AlertStep, actor: Writer): Promise<Versioned> {
    return this.db.tx('alert-step', async (t) => {
      await setActor(t, actor, step.note ?? `巡查预警 #${id}: ${ALERT_ACTION[step.action]}`)
      const cur: Locked | null = await t.oneOrNone(Q.lock, { id, scope: viewer.scope })
      if (!cur) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(id))
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        const current = (await this.detail(id, viewer, t))!
        throw versionConflict('巡查预警 alert', String(id), expected, { version: current.version, state: JSON.parse(current.json) })
      }
      const rule = TRANSITIONS[step.action]
      if (!rule.from.includes(cur.status)) {
        throw new HttpError(409, 'invalid_transition', ALERT_MESSAGES.transition(step.action, cur.status), { status: cur.status, action: step.action })
      }
      const supervisor = (viewer.role !== null && SUPERVISORS.includes(viewer.role))
      const sets: Record<string, unknown> = { status: rule.to }

      if (rule.by === 'supervisor' && !supervisor) throw new HttpError(403, 'forbidden', ALERT_MESSAGES.assignForbidden)
      if (rule.by === 'inspector' && viewer.role !== 'inspector') throw new HttpError(403, 'forbidden', ALERT_MESSAGES.assignForbidden)
      if (rule.by === 'assignee' && !supervisor && cur.assignee_id !== viewer.userId) {
        throw new HttpError(403, 'not_assignee', ALERT_MESSAGES.notAssignee)
      }

      if (step.action === 'assign') {
        if (!step.assignee) throw invalidField('assignee', ALERT_MESSAGES.noAssignee)
        const who = await t.oneOrNone(Q.inspector, { username: step.assignee, county: cur.county_code })
        if (!who) throw invalidField('assignee', ALERT_MESSAGES.badAssignee(step.assignee))
        Object.assign(sets, { assignee_id: who.id, assigned_at: new Date() })
      } else if (step.action === 'take') {
        Object.assign(sets, { assignee_id: viewer.userId, assigned_at: new Date() })
      }

      if (rule.requires === 'finding') {
        const f = step.finding
        if (!f) throw invalidField('finding', ALERT_MESSAGES.findingRequired)
        if (f.visited_on > cur.today) throw invalidField('finding.visited_on', ALERT_MESSAGES.future('visited_on', f.visited_on, cur.today))
        if (f.started_on && f.started_on > cur.today) throw invalidField('finding.started_on', ALERT_MESSAGES.future('started_on', f.started_on, cur.today))
        const finding: Record<string, unknown> = {
          outcome: rule.to, notes: f.notes, visited_on: f.visited_on, position: f.position ?? null,
          started_on: f.started_on ?? null, parcel_code: f.parcel_code ?? null,
          recorded_by: viewer.username, recorded_at: new Date().toISOString(),
        }
        Object.assign(sets, await this.effects(t, cur, viewer, step.action, f, finding))
        sets.finding = finding
      }
      if (step.action === 'close') sets.closed_at = new Date()

      await t.one(Q.update, { sets: this.setsOf(sets), id, expected })
      return (await this.detail(id, viewer, t))!
    })
  }

  /**
   * What a finding changes in the parcel's file (DOMAIN.md "Dynamic monitoring": "the finding
   * updates the parcel's file"): a confirmed construction on an idle or not-started parcel, or a
   * suspected-idle parcel found started, records the start (动工) and may clear idleness; a
   * confirmed 未供即用 opens a disposal-ledger entry (annex 3 art. 6) on its parcel — the alert's,
   * or the one the inspector names for land not yet parcelled (none: no entry, and the finding says so).
   */
  private async effects(t: ITask<unknown>, cur: Locked, viewer: AlertViewer, action: AlertAction, f: Finding,
    finding: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {}
    const startFound = (action === 'confirm' && cur.type === 'construction_on_idle') ||
      (action === 'false_positive' && cur.type === 'no_change_after_start_date' && !!f.started_on)
    if (startFound && cur.parcel_id) {
      const startedOn = f.started_on ?? f.visited_on
      const ev = await t.one(Q.startEvent, {
        parcelId: cur.parcel_id, startedOn, note: `巡查预警 #${cur.id} 现场核实动工：${f.notes}`.slice(0, 1000), recordedBy: viewer.username,
      })
      out.start_event_id = ev.event_id
      finding.started_on = startedOn
      finding.start_recorded = ev.inserted
    }
    if (action === 'confirm' && cur.type === 'construction_on_unsupplied') {
      let parcelId = cur.parcel_id
      if (!parcelId && f.parcel_code) {
        const p = await t.oneOrNone(Q.parcelInScope, { code: f.parcel_code, scope: viewer.scope })
        if (!p) throw invalidField('finding.parcel_code', ALERT_MESSAGES.noParcel(f.parcel_code))
        parcelId = p.id
      }
      if (parcelId) {
        const l = await t.one(Q.ledgerOpen, {
          parcelId, measure: '其他',
          cause: `未供即用（遥感监测预警 #${cur.id}，现场核实属实）`,
          progress: `${f.visited_on} 现场核查：${f.notes}`.slice(0, 4000),
        })
        out.ledger_id = l.id
      } else {
        finding.ledger_note = '未划宗地，未建台账：请先测绘宗地后补建 / no parcel drawn here: no ledger entry until the land is surveyed as a parcel'
      }
    }
    return out
  }

  /** The columns a workflow step writes (pg-promise's helpers.sets; a column absent from the step is left as it is). */
  private setsOf(sets: Record<string, unknown>): string {
    const unknown = Object.keys(sets).find((k) => !(STEP_COLUMNS as readonly string[]).includes(k))
    if (unknown) throw new Error(`an alert step writes no column ${unknown}`)
    this.columns ??= new this.pgp.helpers.ColumnSet(STEP_COLUMNS.map((name) => ({
      name, skip: (c: { exists: boolean }) => !c.exists,
      ...(name === 'finding' ? { cast: 'jsonb', init: (c: { value: unknown }) => JSON.stringify(c.value) } : {}),
      ...(name === 'assigned_at' || name === 'closed_at' ? { cast: 'timestamptz' } : {}),
    })), { table: 'alert' })
    return this.pgp.helpers.sets(sets, this.columns)
  }

  /** A photo's row once its file is stored: only the assignee (or a supervisor), only before the finding. */
  async addPhoto(id: number, viewer: AlertViewer, photo: { sha256: string; mediaType: string; sizeBytes: number; fileName: string | null },
    actor: Writer, beforeInsert?: () => Promise<void>): Promise<{ photo: unknown; created: boolean }> {
    return this.db.tx('alert-photo', async (t) => {
      await setActor(t, actor, `巡查预警 #${id}: 现场照片`)
      const cur: Locked | null = await t.oneOrNone(Q.lock, { id, scope: viewer.scope })
      if (!cur) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(id))
      if (!(viewer.role !== null && SUPERVISORS.includes(viewer.role)) && cur.assignee_id !== viewer.userId) throw new HttpError(403, 'not_assignee', ALERT_MESSAGES.notAssignee)
      if (cur.status !== 'assigned' && cur.status !== 'in_field') throw new HttpError(409, 'invalid_transition', ALERT_MESSAGES.photoStatus(cur.status))
      await beforeInsert?.()
      return t.one(Q.photoInsert, { alertId: id, ...photo, uploadedBy: viewer.username })
    })
  }

  /** May the caller add a photo to this alert? (checked before the body is read, and again at insert). */
  async checkPhotoAllowed(id: number, viewer: AlertViewer): Promise<void> {
    const cur = await this.db.oneOrNone(Q.photoAllowed, { id, scope: viewer.scope })
    if (!cur) throw new HttpError(404, 'not_found', ALERT_MESSAGES.notFound(id))
    if (!(viewer.role !== null && SUPERVISORS.includes(viewer.role)) && cur.assignee_id !== viewer.userId) throw new HttpError(403, 'not_assignee', ALERT_MESSAGES.notAssignee)
    if (cur.status !== 'assigned' && cur.status !== 'in_field') throw new HttpError(409, 'invalid_transition', ALERT_MESSAGES.photoStatus(cur.status))
  }

  photo(alertId: number, photoId: number, scope: string[] | null): Promise<PhotoRow | null> {
    return this.db.oneOrNone(Q.photoGet, { alertId, photoId, scope })
  }

  /**
   * Runs the rules and records the scan (a row with its counts and duration): `types` null runs
   * every rule; `changeIds` null takes every change (and the parcel scan of
   * no_change_after_start_date). Overdue alerts are escalated in the same transaction.
   */
  scan(trigger: ScanTrigger, actor: Writer, o: ScanOptions = {}): Promise<ScanResult> {
    return this.db.tx('alert-scan', async (t) => {
      await setActor(t, actor, `巡查预警扫描 (${trigger})`)
      return scanIn(t, trigger, o)
    })
  }

  /** Whether a scan ever ran, and whether there are changes to scan (the first start with demo data). */
  hasScanned(): Promise<{ scanned: boolean; changes: boolean }> {
    return this.db.one(Q.hasScanned)
  }

  routes(scope: string[] | null): Promise<string> {
    return this.db.one(Q.routes, { scope }, (r: { routes: string }) => r.routes)
  }

  async setRoute(cluster: string, username: string, scope: string[] | null, actor: Writer): Promise<boolean> {
    return this.db.tx('alert-route', async (t) => {
      await setActor(t, actor, `巡查预警分派：集聚区 ${cluster} → ${username}`)
      return (await t.oneOrNone(Q.routeSet, { cluster, username, scope })) !== null
    })
  }
}

/**
 * The rules on the change polygons an upload has just committed (a repeat of an earlier detection
 * is linked to its alert), in the commit's own transaction, so that the polygons and their alerts
 * arrive together. Called by the upload commit.
 */
export async function refreshAlertsForUpload(t: ITask<unknown>, uploadId: string): Promise<ScanResult> {
  const ids: number[] = await t.one(Q.uploadChanges, { uploadId }, (r: { ids: number[] }) => r.ids)
  return scanIn(t, 'commit', { changeIds: ids, types: ALERT_TYPES.filter((x) => x !== 'no_change_after_start_date') })
}

type ScanTrigger = 'commit' | 'schedule' | 'demand' | 'start'
interface ScanOptions { asOf?: string | null; types?: readonly string[] | null; changeIds?: number[] | null }

/** A scan inside a transaction whose actor is set: the rules, the escalation, the alert_scan row. */
async function scanIn(t: ITask<unknown>, trigger: ScanTrigger, o: ScanOptions): Promise<ScanResult> {
  await t.none('SET LOCAL jit = off')
  return t.one(Q.scan, { trigger, asOf: o.asOf ?? null, changeIds: o.changeIds ?? null, types: o.types ? [...o.types] : null })
}
