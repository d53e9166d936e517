/** The upload page (issue 3's /api/uploads): choose a file and a layer → the validation report
 * (encoding and CRS with how each was decided, the field mapping, editable, the first records as
 * read, errors and warnings) → the staged features drawn over the live ones → commit or discard.
 * A progress bar follows the file up and the server's checking of it. */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import * as api from './api'
import { areaM2, escapeHtml, num } from './format'
import { boundsOf } from './overview'
// The target fields and their Chinese labels are the upload pipeline's own table (pure data), so
// the form offers exactly the fields the server maps.
import { LAYER_FIELDS, type LayerName } from '../../server/ingest/field-mapping'

export const UPLOAD_LAYERS: { id: LayerName; label: string }[] = [
  { id: 'parcels', label: '宗地' },
  { id: 'batches', label: '批次' },
  { id: 'contracts', label: '供地合同' },
  { id: 'plan_zones', label: '规划分区' },
  { id: 'clusters', label: '产业集聚区' },
  { id: 'changes', label: '遥感变化图斑' },
]

const ENCODING_SOURCES: Record<string, string> = { override: '人工指定', cpg: '依据 .cpg 文件', ldid: '依据 DBF 语言驱动标识', sniffed: '按内容识别' }
const CRS_SOURCES: Record<string, string> = { override: '人工指定', prj: '依据 .prj 文件', 'geojson-crs': '依据 GeoJSON crs 成员', rfc7946: 'GeoJSON 默认（WGS84）', inferred: '按坐标范围推断' }
const PHASES: Record<string, string> = { reading: '读取', remapping: '字段对应', checking: '校验', committing: '提交', analysing: '分析', ready: '完成' }
const STATUS_NAMES: Record<string, string> = { ok: '通过', warning: '警告', rejected: '拒绝' }

const STAGED = 'staged'
const SAMPLE_ROWS = 10
const zh = (s: unknown) => String(s ?? '').split(' / ')[0]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class UploadPanel {
  private upload: api.UploadView | null = null
  private file: File | null = null

  constructor(private root: HTMLElement, private map: MapLibreMap, private onCommitted: (layer: string) => void) {}

  /** Adds the overlay the staged features are drawn in (after every layer rebuild). */
  install(): void {
    if (this.map.getSource(STAGED)) {
      for (const id of ['staged-fill', 'staged-line']) this.map.moveLayer(id)
      return
    }
    this.map.addSource(STAGED, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
    this.map.addLayer({
      id: 'staged-fill', type: 'fill', source: STAGED,
      paint: { 'fill-color': ['match', ['get', 'status'], 'rejected', '#ff1744', 'warning', '#ffab00', '#00e5ff'], 'fill-opacity': 0.4 },
    })
    this.map.addLayer({ id: 'staged-line', type: 'line', source: STAGED, paint: { 'line-color': '#006064', 'line-width': 2, 'line-dasharray': [3, 2] } })
  }

  open(): void {
    this.root.hidden = false
    this.upload = null
    this.file = null
    this.root.innerHTML = `
      <div class="panel-head"><h2>数据上传</h2><button type="button" class="close" aria-label="关闭">×</button></div>
      <form id="upload-form">
        <label>图层 <select name="layer">${UPLOAD_LAYERS.map((l) => `<option value="${l.id}">${l.label}</option>`).join('')}</select></label>
        <label>文件 <input type="file" name="file" accept=".zip,.geojson,.json" required></label>
        <p class="muted">Shapefile 请打包为 zip（含 .shp .shx .dbf，最好有 .prj 与 .cpg）；或 GeoJSON。</p>
        <button type="submit">上传并校验</button>
      </form>
      <div class="progress" hidden><div class="bar"></div><span class="pct" data-testid="upload-progress"></span></div>
      <div id="upload-report"></div>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => void this.close()
    const form = this.root.querySelector<HTMLFormElement>('#upload-form')!
    form.onsubmit = (e) => {
      e.preventDefault()
      const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0]
      const layer = (form.elements.namedItem('layer') as HTMLSelectElement).value
      if (!file) return
      this.file = file
      void this.send(layer, null)
    }
  }

  async close(): Promise<void> {
    this.setStaged(null)
    this.root.hidden = true
    this.root.innerHTML = ''
  }

  private progress(fraction: number | null, text: string): void {
    const box = this.root.querySelector<HTMLElement>('.progress')
    if (!box) return
    box.hidden = false
    if (fraction !== null) box.querySelector<HTMLElement>('.bar')!.style.width = `${Math.round(fraction * 100)}%`
    box.querySelector<HTMLElement>('.pct')!.textContent = text
  }

  /** Uploads the chosen file (again, with an edited mapping), then follows the server's checking. */
  private send(layer: string, mapping: Record<string, string | null> | null): Promise<void> {
    return this.check('上传失败', async () => {
      if (this.upload && this.upload.status === 'ready') await api.discardUpload(this.upload.id).catch(() => undefined)
      const created = await api.uploadFile(this.file!, layer, mapping, (f) =>
        this.progress(f / 2, f < 1 ? `上传 ${Math.round(f * 100)}%` : '上传完成，正在校验…'))
      return { id: created.id, from: 0.5 }
    })
  }

  /** A new mapping for the staged upload: the server maps the kept attributes anew and checks
   * again; the file is not sent a second time. */
  private remap(mapping: Record<string, string | null>): Promise<void> {
    const id = this.upload!.id
    return this.check('校验失败', async () => {
      this.progress(0, '按新的字段对应重新校验…')
      await api.remapUpload(id, mapping)
      return { id, from: 0 }
    })
  }

  /** Starts the server's checking (`start` names the upload and where the bar stands), follows it
   * and shows the report, or what went wrong. */
  private async check(failed: string, start: () => Promise<{ id: string; from: number }>): Promise<void> {
    const out = this.root.querySelector<HTMLElement>('#upload-report')!
    out.innerHTML = ''
    this.setStaged(null)
    try {
      const { id, from } = await start()
      this.upload = await this.follow(id, from)
      if (this.upload.status === 'failed') throw new api.ApiError(422, this.upload.error?.code ?? 'failed', this.upload.error?.message ?? '校验失败')
      this.progress(1, '校验完成')
      await this.renderReport()
    } catch (e) {
      this.progress(null, '')
      out.innerHTML = `<p class="error" role="alert">${escapeHtml(e instanceof api.ApiError ? zh(e.message) : failed)}</p>`
    }
  }

  /** Polls an upload while the server works on it (large files are checked in the background). */
  private async follow(id: string, from: number): Promise<api.UploadView> {
    for (;;) {
      const u = await api.getUpload(id)
      if (u.status !== 'validating' && u.status !== 'receiving' && u.status !== 'committing') return u
      this.progress(from + (1 - from) * (u.percent / 100), `${PHASES[u.phase ?? ''] ?? '处理'} ${Math.round(u.percent)}%`)
      await sleep(400)
    }
  }

  private async renderReport(): Promise<void> {
    const u = this.upload!
    const r = u.report!
    const d = u.description!
    const out = this.root.querySelector<HTMLElement>('#upload-report')!
    const columns = [...new Set(d.sources.flatMap((s) => s.fieldNames))]
    const fields = LAYER_FIELDS[u.layer as LayerName] ?? []
    const mapping = d.mapping.mapping
    const sample = await api.stagedFeatures(u.id, SAMPLE_ROWS)
    const errors = r.issues.filter((i) => i.level === 'error')
    const warnings = r.issues.filter((i) => i.level !== 'error')
    out.innerHTML = `
      <section data-testid="upload-report"><h3>校验报告</h3>
        <p>${escapeHtml(u.fileName)} · ${num(r.featureCount, 0)} 个要素：通过 ${num(r.accepted, 0)}，拒绝 ${num(r.rejected, 0)}，警告 ${num(r.warned, 0)}；
          新增 ${num(r.new, 0)}，已有 ${num(r.existing, 0)}；合计 ${areaM2(r.areaM2)}</p>
        ${d.sources.map((s) => `<table class="card">
          <tr><th>数据</th><td>${escapeHtml(s.name)}（${escapeHtml(s.geometryType)}，${num(s.featureCount, 0)} 个）</td></tr>
          <tr><th>字符编码</th><td data-testid="upload-encoding">${s.encoding ? `${escapeHtml(s.encoding.encoding.toUpperCase())}（${escapeHtml(ENCODING_SOURCES[s.encoding.source] ?? s.encoding.source)}）<div class="muted">${escapeHtml(zh(s.encoding.reason))}</div>` : 'UTF-8（GeoJSON 规定）'}</td></tr>
          <tr><th>坐标系</th><td data-testid="upload-crs">EPSG:${escapeHtml(s.crs.epsg)}（${escapeHtml(CRS_SOURCES[s.crs.source] ?? s.crs.source)}）<div class="muted">${escapeHtml(zh(s.crs.reason))}</div></td></tr>
        </table>`).join('')}
        <h4>字段对应${d.mapping.source === 'proposed' ? '（系统建议，可修改）' : '（已按您的选择）'}</h4>
        <form id="mapping-form"><table class="mapping"><tr><th>目标字段</th><th>来源字段</th></tr>
          ${fields.map((f) => `<tr><td>${escapeHtml(f.label)}${f.required ? ' *' : ''}</td><td><select name="${escapeHtml(f.name)}">
            <option value="">（不导入）</option>
            ${columns.map((c) => `<option value="${escapeHtml(c)}" ${mapping[f.name] === c ? 'selected' : ''}>${escapeHtml(c)}</option>`).join('')}
          </select></td></tr>`).join('')}
        </table>
        ${d.mapping.unmappedSources.length ? `<p class="muted">未对应的来源字段：${d.mapping.unmappedSources.map(escapeHtml).join('、')}</p>` : ''}
        <button type="submit">按此对应重新校验</button></form>
        <h4>前 ${Math.min(SAMPLE_ROWS, sample.features.length)} 条数据</h4>
        ${this.sampleTable(sample.features.map((f) => f.properties), fields)}
        ${this.problems('错误', errors, 'error')}
        ${this.problems('警告', warnings, 'warning')}
        ${r.issuesTruncated ? '<p class="muted">（问题过多，仅列出部分；预览中每个要素都带有其问题）</p>' : ''}
        <div class="actions">
          <button type="button" id="upload-preview">在地图上预览</button>
          <button type="button" id="upload-commit">提交入库</button>
          <button type="button" id="upload-discard">放弃</button>
        </div>
        ${r.warnings ? '<label><input type="checkbox" id="accept-warnings"> 已核对警告，仍然提交</label>' : ''}
        ${r.errors ? '<label><input type="checkbox" id="skip-rejected"> 跳过被拒绝的要素，只提交通过的</label>' : ''}
        <div id="upload-result" role="status"></div>
      </section>`
    out.querySelector<HTMLFormElement>('#mapping-form')!.onsubmit = (e) => {
      e.preventDefault()
      const m: Record<string, string | null> = {}
      for (const f of fields) {
        const v = (e.target as HTMLFormElement).querySelector<HTMLSelectElement>(`select[name="${f.name}"]`)!.value
        m[f.name] = v || null
      }
      // a ready upload is re-mapped where it is staged; otherwise the file goes up again
      void (this.upload?.status === 'ready' ? this.remap(m) : this.send(u.layer, m))
    }
    out.querySelector<HTMLButtonElement>('#upload-preview')!.onclick = () => void this.act(() => this.preview())
    out.querySelector<HTMLButtonElement>('#upload-commit')!.onclick = () => void this.act(() => this.commit())
    out.querySelector<HTMLButtonElement>('#upload-discard')!.onclick = () => void this.act(async () => {
      await api.discardUpload(u.id)
      this.upload = { ...u, status: 'discarded' }
      this.setStaged(null)
      this.result('已放弃，未写入任何数据')
    })
  }

  /** The first records with their mapped values as read: a wrong encoding shows at once as
   * garbled text here. */
  private sampleTable(rows: api.StagedProps[], fields: readonly { name: string; label: string }[]): string {
    if (!rows.length) return '<p class="muted">无可显示的要素</p>'
    const cols = fields.filter((f) => rows.some((r) => r.values[f.name] !== null && r.values[f.name] !== undefined))
    return `<div class="scroll"><table class="sample" data-testid="upload-sample"><tr><th>#</th>${cols.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}<th>面积</th><th>结果</th></tr>
      ${rows.map((r) => `<tr><td>${r.index + 1}</td>${cols.map((c) => `<td>${escapeHtml(r.values[c.name] ?? '')}</td>`).join('')}
        <td>${num(r.area_m2)} m²</td><td>${escapeHtml(STATUS_NAMES[r.status] ?? r.status)}</td></tr>`).join('')}</table></div>`
  }

  private problems(title: string, list: api.UploadIssue[], cls: string): string {
    if (!list.length) return `<p class="muted">无${title}</p>`
    return `<h4>${title}（${list.length}）</h4><ul class="${cls}" data-testid="upload-${cls}s">${list.slice(0, 200).map((p) =>
      `<li>第 ${p.index + 1} 个要素${p.key ? `（${escapeHtml(p.key)}）` : ''}：${escapeHtml(zh(p.message))}</li>`).join('')}</ul>`
  }

  private async preview(): Promise<void> {
    const fc = await api.stagedFeatures(this.upload!.id)
    this.setStaged(fc)
    const bounds = boundsOf(fc.features.map((f) => f.geometry))
    if (bounds) this.map.fitBounds(bounds, { padding: 60, maxZoom: 17, duration: 0 })
    this.result(`已在地图上显示 ${num(fc.features.length, 0)} 个待入库要素（虚线；红色为拒绝，橙色为警告）${fc.truncated ? '，仅显示一部分' : ''}`)
  }

  private async commit(): Promise<void> {
    const u = this.upload!
    const acceptWarnings = this.root.querySelector<HTMLInputElement>('#accept-warnings')?.checked ?? false
    const skipRejected = this.root.querySelector<HTMLInputElement>('#skip-rejected')?.checked ?? false
    let res = await api.commitUpload(u.id, { acceptWarnings, skipRejected })
    if ('status' in res) {
      const done = await this.follow(u.id, 0)
      if (done.status !== 'committed' || !done.result) throw new api.ApiError(500, 'commit_failed', done.error?.message ?? '提交失败')
      res = done.result
    }
    this.upload = { ...u, status: 'committed' }
    this.setStaged(null)
    this.result(`<span data-testid="upload-committed">已提交入库：新增 ${num(res.inserted, 0)}，更新 ${num(res.updated, 0)}，未变 ${num(res.unchanged, 0)}</span>`)
    this.onCommitted(u.layer)
  }

  private async act(fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (e) {
      this.result(`<span class="error" role="alert">${escapeHtml(e instanceof api.ApiError ? zh(e.message) : '操作失败')}</span>`)
    }
  }

  private result(html: string): void {
    const el = this.root.querySelector<HTMLElement>('#upload-result')
    if (el) el.innerHTML = html
  }

  private setStaged(fc: GeoJSON.FeatureCollection | null): void {
    (this.map.getSource(STAGED) as GeoJSONSource | undefined)?.setData(fc ?? { type: 'FeatureCollection', features: [] })
  }
}
