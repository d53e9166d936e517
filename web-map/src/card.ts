/** The parcel panel: its card (一宗一卡, the present state), its classifications with the reasons in
 * plain Chinese, its ledger (工作台账), and its file (一地一档) as a timeline; and, for the roles
 * that edit land records, an edit form that says so when someone else edited first (409).
 * What a role may not see never reaches the browser: the server redacts tax, output and price. */
import * as api from './api'
import { actorLabel, areaM2, beijingTime, chinese, classificationLabel, date, escapeHtml, indicatorText, label, m2, mu, num, STAGE_NAMES, wan } from './format'
import { can } from './login'
import { renderFlags, renderLeases, type CardAdminHooks } from './admin/parcel'

type Props = Record<string, unknown>

const zh = chinese

function row(label: string, value: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`
}

export class CardPanel {
  private code: string | null = null
  private etag: string | null = null
  private card: GeoJSON.Feature<GeoJSON.Geometry, Props> | null = null

  constructor(
    private root: HTMLElement,
    private getUser: () => api.User | null,
    private sensitiveRoles: () => api.Role[],
    private onEdited: (code: string, geometry: GeoJSON.Geometry | null) => void,
    private onClose: () => void,
  ) {}

  get current(): string | null {
    return this.code
  }

  close(): void {
    this.code = null
    this.card = null
    this.root.hidden = true
    this.root.innerHTML = ''
    this.onClose()
  }

  async open(code: string): Promise<void> {
    this.code = code
    this.root.hidden = false
    this.root.innerHTML = `<div class="panel-head"><h2>宗地 ${escapeHtml(code)}</h2><button type="button" class="close" aria-label="关闭">×</button></div><p class="muted">正在载入…</p>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    try {
      const [{ card, etag }, file] = await Promise.all([api.parcelCard(code), api.parcelFile(code).catch((e: unknown) => e)])
      if (this.code !== code) return
      this.card = card
      this.etag = etag
      this.render(file instanceof Error ? file : file as { events: api.FileEvent[] })
    } catch (e) {
      if (this.code !== code) return
      this.root.querySelector('.muted')!.textContent = e instanceof api.ApiError ? zh(e.message) : '载入失败'
    }
  }

  private mayShowSensitive(): boolean {
    const u = this.getUser()
    return !!u && this.sensitiveRoles().includes(u.role)
  }

  private render(file: { events: api.FileEvent[] } | Error): void {
    const p = this.card!.properties
    const classes = (p.classifications as Props[] | undefined) ?? []
    this.root.innerHTML = `
      <div class="panel-head">
        <h2>宗地 <span data-testid="card-code">${escapeHtml(p.code)}</span></h2>
        <button type="button" class="close" aria-label="关闭">×</button>
      </div>
      <div class="badges">
        <span class="badge stage">${escapeHtml(label('stage', p.stage))}</span>
        ${classes.map((c) => `<span class="badge class-${escapeHtml(c.classification)}">${escapeHtml(this.className(c))}</span>`).join('')}
        ${p.retired_at ? '<span class="badge retired">已注销</span>' : ''}
      </div>
      <section><h3>一宗一卡</h3><table class="card">${this.cardRows(p)}</table></section>
      <section><h3>分类认定及原因</h3>${this.classifications(classes)}</section>
      <section><h3>工作台账</h3>${this.ledger((p.ledger as Props[] | undefined) ?? [])}</section>
      <section class="card-flags" data-testid="card-flags"></section>
      <section class="card-leases" data-testid="card-leases"></section>
      ${can.edit(this.getUser()) && !p.retired_at ? `<section><h3>修改宗地</h3>${this.editForm(p)}</section>` : ''}
      <section><h3>一地一档</h3>${file instanceof Error ? `<p class="error">${escapeHtml(file instanceof api.ApiError ? zh(file.message) : '档案载入失败')}</p>` : this.timeline(file.events)}</section>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    this.wireEdit()
    this.renderAdmin(p)
  }

  /** 官方认定 and 租赁 (admin/parcel.ts): their own calls, filled in when they answer. */
  private renderAdmin(p: Props): void {
    const code = String(p.code)
    const hooks: CardAdminHooks = {
      user: this.getUser(), figures: this.mayShowSensitive(),
      landUser: ((p.land_user as Props | null | undefined)?.credit_code as string | undefined) ?? null,
      written: () => {
        this.onEdited(code, this.card?.geometry ?? null)
        void this.open(code)
      },
    }
    void renderFlags(this.root.querySelector<HTMLElement>('.card-flags')!, code, hooks)
    void renderLeases(this.root.querySelector<HTMLElement>('.card-leases')!, code, hooks)
  }

  private cardRows(p: Props): string {
    const user = p.land_user as Props | null | undefined
    const contracts = (p.contracts as Props[] | undefined) ?? []
    const current = contracts.find((c) => c.current) ?? null
    const dev = (p.development as Props | undefined) ?? {}
    const zones = (p.plan_zones as Props[] | undefined) ?? []
    const batches = (p.approval_batches as Props[] | undefined) ?? []
    const rows = [
      row('宗地编号', escapeHtml(p.code)),
      row('区县', escapeHtml(p.county_name ?? p.county_code)),
      row('产业集聚区', escapeHtml(p.cluster_name ?? p.cluster_code ?? '—')),
      row('土地用途', escapeHtml(p.land_use ?? '—')),
      row('权利人', `<span data-testid="card-owner">${escapeHtml(p.owner_name ?? '—')}</span>`),
      row('面积', `<span data-testid="card-area">${mu(p.area_mu)}</span>（${m2(p.area_m2)}）`),
    ]
    if (p.stated_area_m2 != null) rows.push(row('填报面积', areaM2(p.stated_area_m2)))
    rows.push(row('规划分区', zones.length ? zones.map((z) => `${escapeHtml(label('zoneType', z.zone_type))}${z.name ? ` ${escapeHtml(z.name)}` : ''}（${m2(z.overlap_m2)}）`).join('<br>') : '—'))
    rows.push(row('所在批次', batches.length ? batches.map((b) => `${escapeHtml(b.approval_no)} ${date(b.approved_on)}`).join('<br>') : '—'))
    rows.push(row('用地单位', user ? `${escapeHtml(user.name)}${user.industry ? `（${escapeHtml(user.industry)}）` : ''}` : '—'))
    if (current) {
      rows.push(row('供地', `${escapeHtml(label('supplyMethod', current.supply_method))} ${escapeHtml(current.contract_no)}，${date(current.signed_on)} 签订`))
      rows.push(row('约定动工 / 竣工', `${date(current.agreed_start_on)} / ${date(current.agreed_completion_on)}`))
      if (current.total_investment_wan != null) rows.push(row('总投资', wan(current.total_investment_wan)))
      // land price: sent by the server to the sensitive roles only; shown to them only
      if (this.mayShowSensitive() && current.price_wan != null) rows.push(row('出让价款', wan(current.price_wan)))
      if (current.is_standard_land) rows.push(row('标准地', `是，期限 ${escapeHtml(current.term_years ?? '—')} 年`))
    }
    rows.push(row('开发建设', [
      dev.started_on ? `动工 ${date(dev.started_on)}` : '未动工',
      dev.completed_on ? `竣工 ${date(dev.completed_on)}` : '',
      dev.halted_since ? `停工自 ${date(dev.halted_since)}` : '',
      dev.developed_area_m2 != null ? `已开发 ${m2(dev.developed_area_m2)}` : '',
    ].filter(Boolean).join('，')))
    if (this.mayShowSensitive()) {
      for (const f of (p.figures as Props[] | undefined) ?? []) {
        rows.push(row(`${f.year} 年经营数据`, `${escapeHtml(f.name)}：税收 ${wan(f.tax_paid_wan)}，产值 ${wan(f.output_wan)}`))
      }
    }
    return rows.join('')
  }

  private classifications(classes: Props[]): string {
    if (!classes.length) return '<p class="muted">暂无认定（未发现闲置、低效或未供即用，或分析尚未运行）</p>'
    return `<ul class="reasons">${classes.map((c) => {
      const r = (c.reason as Props | null | undefined) ?? {}
      const measured = r.measured && typeof r.measured === 'object'
        ? Object.entries(r.measured as Props).filter(([, v]) => v !== null && typeof v !== 'object')
          .map(([k, v]) => `${escapeHtml(label('measured', k))} ${typeof v === 'number' && /year$/.test(k) ? String(v) : typeof v === 'number' ? num(v, Number.isInteger(v) ? 0 : 2) : typeof v === 'boolean' ? (v ? '是' : '否') : escapeHtml(v)}`).join('；')
        : ''
      return `<li><b>${escapeHtml(this.className(c))}</b>
        ${escapeHtml(zh(c.label ?? r.label ?? ''))}
        ${r.stage_label ? `<div>${escapeHtml(zh(r.stage_label))}</div>` : ''}
        ${r.basis ? `<div class="muted">依据：${escapeHtml(r.basis)}</div>` : ''}
        ${measured ? `<div class="muted">${measured}</div>` : ''}
        ${c.suspended ? '<div class="muted">（政府原因造成延迟，暂停认定）</div>' : ''}</li>`
    }).join('')}</ul>`
  }

  private className(c: Props): string {
    return classificationLabel(c)
  }

  private ledger(items: Props[]): string {
    if (!items.length) return '<p class="muted">无台账记录</p>'
    return `<table class="ledger"><tr><th>处置措施</th><th>期限</th><th>责任单位</th><th>进展</th></tr>${items.map((l) => `<tr class="${l.overdue ? 'overdue' : ''}">
      <td>${escapeHtml(l.measure)}</td><td>${date(l.deadline)}${l.overdue ? `<br><small>逾期 ${escapeHtml(l.days_overdue)} 天</small>` : ''}</td>
      <td>${escapeHtml(l.responsible_unit)}</td><td>${escapeHtml(l.completed_on ? `已完成 ${date(l.completed_on)}` : l.progress ?? '—')}</td></tr>`).join('')}</table>`
  }

  /** The file (一地一档) newest first, grouped by year, entries that say nothing left out; each with
   * when (the day it took effect, and when it was recorded, in 北京时间), who (by display name) and
   * what changed in words. */
  private timeline(events: api.FileEvent[]): string {
    const shown = events.filter((e) => e.redacted || (e.changes?.length ?? 0) > 0 || e.note || this.valueText(e))
    if (!shown.length) return '<p class="muted">档案为空</p>'
    const sorted = [...shown].sort((x, y) => (y.on ?? '').localeCompare(x.on ?? '') || String(y.recorded_at ?? '').localeCompare(String(x.recorded_at ?? '')))
    const byYear = new Map<string, api.FileEvent[]>()
    for (const e of sorted) {
      const y = (e.on ?? '').slice(0, 4) || '—'
      byYear.set(y, [...(byYear.get(y) ?? []), e])
    }
    return [...byYear].map(([year, list]) => `<h4 class="file-year">${escapeHtml(year)} 年</h4><ol class="timeline">${list.map((e) => {
      const changes = e.redacted ? '<div class="muted">（涉及不公开信息，内容不予显示）</div>'
        : (e.changes ?? []).map((c) => `<div>${escapeHtml(label('field', c.field))}：${this.value(c.field, c.old)} → ${this.value(c.field, c.new)}</div>`).join('')
      const kind = e.value && typeof e.value.kind === 'string' ? `（${escapeHtml(label(e.type === 'parcel_flag' ? 'flagKind' : 'developmentKind', e.value.kind))}）` : ''
      const value = e.redacted || e.changes?.length ? '' : this.valueText(e)
      return `<li><time title="记录于 ${escapeHtml(beijingTime(e.recorded_at))}">${date(e.on)}</time> <b>${escapeHtml(label('fileEvent', e.type))}</b>${kind}
        <span class="muted">${escapeHtml(label('fileAction', e.action))} · ${escapeHtml(actorLabel(e.actor, e.actor_name))}</span>${e.note ? `<div>${escapeHtml(e.note)}</div>` : ''}${changes}${value ? `<div>${value}</div>` : ''}</li>`
    }).join('')}</ol>`).join('')
  }

  /** What an event without a list of changes recorded, in words (an indicator, a supply, a start). */
  private valueText(e: api.FileEvent): string {
    const v = e.value
    if (!v || typeof v !== 'object') return ''
    if (e.type === 'contract_indicator' && v.indicator) return escapeHtml(indicatorText(v as { indicator: unknown; value: unknown }))
    const parts = Object.entries(v)
      // ids and codes of the place are the card's own (区县, 集聚区 above); who recorded it is said beside the event
      .filter(([k, x]) => x !== null && x !== undefined && x !== '' && typeof x !== 'object' && k !== 'kind' && k !== 'id'
        && !k.endsWith('_id') && !k.endsWith('_code') && k !== 'recorded_by' && k !== 'set_by')
      .map(([k, x]) => `${escapeHtml(label('field', k))} ${this.value(k, x)}`)
    return parts.join('，')
  }

  private value(field: string, v: unknown): string {
    if (v === null || v === undefined) return '空'
    if (field === 'geom') return '（图形）'
    if (field === 'stage') return escapeHtml(label('stage', v))
    if (field === 'supply_method') return escapeHtml(label('supplyMethod', v))
    if (field === 'kind') return escapeHtml(label('developmentKind', v))
    if (field === 'status') return escapeHtml(label('alertStatus', v))
    if (field === 'indicator') return escapeHtml(label('indicator', v))
    if (field === 'unit') return escapeHtml(label('unit', v))
    if (field === 'change_type') return escapeHtml(label('changeType', v))
    if (field === 'zone_type') return escapeHtml(label('zoneType', v))
    if (field === 'recorded_by' || field === 'actor' || field === 'set_by' || field === 'cleared_by') return escapeHtml(actorLabel(String(v)))
    if (field === 'cluster_code') return escapeHtml(this.card?.properties.cluster_code === v ? String(this.card?.properties.cluster_name ?? v) : v)
    if (field === 'county_code') return escapeHtml(this.card?.properties.county_code === v ? String(this.card?.properties.county_name ?? v) : v)
    if (field.endsWith('_m2')) return m2(v)
    if (field.endsWith('_wan')) return wan(v)
    if (typeof v === 'boolean') return v ? '是' : '否'
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return escapeHtml(beijingTime(v))
    if (typeof v === 'object') return '（已变更）'
    return escapeHtml(v)
  }

  private editForm(p: Props): string {
    return `<form id="edit-form" class="edit">
      <label>土地用途 <input name="land_use" value="${escapeHtml(p.land_use ?? '')}" maxlength="100"></label>
      <label>权利人 <input name="owner_name" value="${escapeHtml(p.owner_name ?? '')}" maxlength="200"></label>
      <label>阶段 <select name="stage">${Object.entries(STAGE_NAMES).map(([k, v]) => `<option value="${k}" ${p.stage === k ? 'selected' : ''}>${v}</option>`).join('')}</select></label>
      <label>填报面积（m²）<input name="stated_area_m2" type="number" step="0.01" min="0" value="${escapeHtml(p.stated_area_m2 ?? '')}"></label>
      <label>修改说明 <input name="note" required maxlength="500" placeholder="必填，记入一地一档"></label>
      <button type="submit">保存</button>
      <div class="error" id="edit-error" role="alert"></div>
    </form>`
  }

  private wireEdit(): void {
    const form = this.root.querySelector<HTMLFormElement>('#edit-form')
    if (!form) return
    form.onsubmit = async (e) => {
      e.preventDefault()
      const p = this.card!.properties
      const data = new FormData(form)
      const patch: Record<string, unknown> = { note: String(data.get('note')) }
      const landUse = String(data.get('land_use') ?? '').trim()
      if (landUse !== (p.land_use ?? '')) patch.land_use = landUse || null
      const owner = String(data.get('owner_name') ?? '').trim()
      if (owner !== (p.owner_name ?? '')) patch.owner_name = owner || null
      if (data.get('stage') !== p.stage) patch.stage = data.get('stage')
      const stated = String(data.get('stated_area_m2') ?? '').trim()
      const statedNum = stated === '' ? null : Number(stated)
      if (statedNum !== (p.stated_area_m2 ?? null)) patch.stated_area_m2 = statedNum
      const error = this.root.querySelector<HTMLElement>('#edit-error')!
      if (Object.keys(patch).length === 1) {
        error.textContent = '没有要修改的内容'
        return
      }
      try {
        const code = String(p.code)
        await api.editParcel(code, this.etag ?? '', patch)
        this.onEdited(code, this.card!.geometry)
        await this.open(code)
        const saved = this.root.querySelector<HTMLElement>('#edit-error')
        if (saved) {
          saved.className = 'saved'
          saved.textContent = `已保存（${beijingTime(new Date())}）`
        }
      } catch (err) {
        if (err instanceof api.ApiError && err.status === 409) {
          error.innerHTML = `${escapeHtml(zh(err.message))} <button type="button" id="reload-card">载入最新版本</button>`
          this.root.querySelector<HTMLButtonElement>('#reload-card')!.onclick = () => void this.open(String(p.code))
        } else {
          error.textContent = err instanceof api.ApiError ? zh(err.message) : '保存失败'
        }
      }
    }
  }
}
