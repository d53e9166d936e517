/** The upload page (/api/uploads): choose a file and a layer, and if need be state the
 * CRS (the zones that make sense for the city, CGCS2000 or WGS 84 degrees) and the encoding → the
 * validation report (encoding, CRS and county with how each was decided, the field mapping,
 * editable, the first records as read, errors and warnings) → the staged features drawn over the
 * live ones, the city's extent and the county outlines → commit or discard. A refused CRS is
 * explained with its candidates (server/ingest/crs-decide.ts): each zone, where it would put the
 * data (drawn on the map) and the counties there, with a button to read the file so. A progress
 * bar follows the file up and the server's checking of it. */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import * as api from './api'
import { COUNTY_SOURCE, CRS_SOURCE, ENCODING_SOURCE, FEATURE_CHANGE, FEATURE_STATUS, UPLOAD_LAYER, UPLOAD_PHASE } from '../../server/labels/codes'
import { areaM2, chinese, escapeHtml, num } from './format'
import { boundsOf } from './overview'
// The target fields and their Chinese labels are the upload pipeline's own table (pure data), so
// the form offers exactly the fields the server maps.
import { LAYER_FIELDS } from '../../server/db/repos/uploads/fields'
import { LAYERS, type LayerName } from '../../server/db/repos/uploads/layer-names'
import { crsInfo } from '../../server/ingest/crs'

/** Encodings a county file comes in (DOMAIN.md "Units and coordinates"). */
const ENCODINGS: { id: string; label: string }[] = [
  { id: '', label: '自动识别（.cpg、DBF 标识或内容）' },
  { id: 'gbk', label: 'GBK（简体中文 Windows）' },
  { id: 'gb18030', label: 'GB18030' },
  { id: 'utf8', label: 'UTF-8' },
]

/** The CRS choices for a city spanning `west`–`east`: the 3-degree zones over it (without and with
 * the zone number in the easting), then CGCS2000 and WGS 84 degrees. */
export function crsChoices(west: number, east: number): { epsg: number; label: string }[] {
  const out: { epsg: number; label: string }[] = []
  for (let cm = Math.ceil((west - 1.5) / 3) * 3; cm - 1.5 <= east; cm += 3) {
    const zone = cm / 3
    for (const epsg of [4534 + zone - 25, 4513 + zone - 25]) {
      const info = crsInfo(epsg)
      if (info) out.push({ epsg, label: `EPSG:${epsg} ${info.nameZh}` })
    }
  }
  out.push({ epsg: 4490, label: 'EPSG:4490 CGCS2000 经纬度' }, { epsg: 4326, label: 'EPSG:4326 WGS84 经纬度' })
  return out
}

/** The layer choice: the layers an upload may fill, in the server's order, by their Chinese names
 * (server/labels), so that the form offers exactly the layers the server takes. */
export const UPLOAD_LAYERS: { id: LayerName; label: string }[] = LAYERS.map((id) => ({ id, label: UPLOAD_LAYER[id] }))

/** The file picker's filter: every kind the server reads (server/ingest/read-features.ts detectKind). */
export const UPLOAD_ACCEPT = '.zip,.geojson,.json,.geojsons,.geojsonl,.gpkg,.kml,.kmz,.dxf,.csv,.xlsx,.txt'

/** The encoding line of a format whose text is UTF-8 by definition. */
const UTF8_BY_FORMAT: Readonly<Record<string, string>> = {
  geojson: 'GeoJSON', geojsonseq: 'GeoJSON', gpkg: 'GPKG', kml: 'KML', kmz: 'KML', xlsx: 'XLSX',
}

const ENCODING_SOURCES: Readonly<Record<string, string>> = ENCODING_SOURCE
const CRS_SOURCES: Readonly<Record<string, string>> = CRS_SOURCE
const COUNTY_SOURCES: Readonly<Record<string, string>> = COUNTY_SOURCE
const PHASES: Readonly<Record<string, string>> = UPLOAD_PHASE
const STATUS_NAMES: Readonly<Record<string, string>> = FEATURE_STATUS
/** What the commit would do with a feature (check-changes.sql): unchanged means no new version and no file entry. */
const CHANGE_NAMES: Readonly<Record<string, string>> = FEATURE_CHANGE
/** A changed field's label on the form ('geometry': the shape). */
const fieldLabel = (layer: string, name: string) =>
  name === 'geometry' ? '图形' : LAYER_FIELDS[layer as LayerName]?.find((f) => f.name === name)?.label ?? name

const STAGED = 'staged'
const EXTENT = 'city-extent'
const CANDIDATES = 'crs-candidates'
const SAMPLE_ROWS = 10
const zh = chinese
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class UploadPanel {
  private upload: api.UploadView | null = null
  private file: File | null = null
  private options: api.UploadOptions = {}
  private extent: Awaited<ReturnType<typeof api.cityExtent>> | null = null

  constructor(private root: HTMLElement, private map: MapLibreMap, private onCommitted: (layer: string) => void) {}

  /** Adds the overlay the staged features are drawn in (after every layer rebuild). */
  install(): void {
    if (this.map.getSource(STAGED)) {
      for (const id of ['city-extent-line', 'crs-candidates-fill', 'crs-candidates-line', 'crs-candidates-label', 'staged-fill', 'staged-line']) this.map.moveLayer(id)
      return
    }
    // The city's extent (shown while the panel is open) and the boxes where a refused file's
    // candidate zones would put it.
    this.map.addSource(EXTENT, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
    this.map.addLayer({ id: 'city-extent-line', type: 'line', source: EXTENT, paint: { 'line-color': '#c62828', 'line-width': 2.5, 'line-opacity': 0.7 } })
    this.map.addSource(CANDIDATES, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
    this.map.addLayer({ id: 'crs-candidates-fill', type: 'fill', source: CANDIDATES, paint: { 'fill-color': ['case', ['get', 'fits'], '#43a047', '#9e9e9e'], 'fill-opacity': 0.25 } })
    this.map.addLayer({ id: 'crs-candidates-line', type: 'line', source: CANDIDATES, paint: { 'line-color': ['case', ['get', 'fits'], '#2e7d32', '#616161'], 'line-width': 2 } })
    this.map.addLayer({
      id: 'crs-candidates-label', type: 'symbol', source: CANDIDATES,
      layout: { 'text-field': ['get', 'label'], 'text-font': ['sans-serif'], 'text-size': 12 },
      paint: { 'text-color': '#1b5e20', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
    })
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
        <label>文件 <input type="file" name="file" accept="${UPLOAD_ACCEPT}" required></label>
        <p class="muted">Shapefile 请打包为 zip（含 .shp .shx .dbf，最好有 .prj 与 .cpg）；或 GeoJSON（含逐行格式）、GPKG 地理数据包、KML/KMZ、
          CAD 的 DXF（闭合多段线与填充为地块）、带 WKT 列或 X/Y（经度/纬度）列的 CSV/XLSX；或国土界址点坐标文件（.txt，勘测定界、报批报盘格式）。
          含多个图层的文件可在校验后选择图层；DXF 与 X/Y 坐标不含坐标系时按坐标判断，判断不了再选择坐标系。</p>
        <label>坐标系 <select name="crs" data-testid="upload-crs-choice"><option value="">自动（依据 .prj 或坐标文件的 [属性描述]，或按坐标判断）</option></select></label>
        <label><input type="checkbox" name="confirmCrs"> 确认按指定坐标系读取（即使与 .prj 不同）</label>
        <label>字符编码 <select name="encoding">${ENCODINGS.map((e) => `<option value="${e.id}">${escapeHtml(e.label)}</option>`).join('')}</select></label>
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
      this.options = {
        crs: (form.elements.namedItem('crs') as HTMLSelectElement).value || undefined,
        confirmCrs: (form.elements.namedItem('confirmCrs') as HTMLInputElement).checked,
        encoding: (form.elements.namedItem('encoding') as HTMLSelectElement).value || undefined,
      }
      void this.send(layer, null)
    }
    void this.showExtent(form)
  }

  /** The city's extent on the map, and the zones over it in the CRS list. */
  private async showExtent(form: HTMLFormElement): Promise<void> {
    try {
      this.extent ??= await api.cityExtent()
    } catch {
      return // the list keeps "automatic"; the server decides anyway
    }
    const [west, , east] = this.extent.properties.bbox
    const select = form.elements.namedItem('crs') as HTMLSelectElement
    select.insertAdjacentHTML('beforeend', crsChoices(west, east).map((c) => `<option value="EPSG:${c.epsg}">${escapeHtml(c.label)}</option>`).join(''))
    ;(this.map.getSource(EXTENT) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [this.extent] })
  }

  async close(): Promise<void> {
    this.setStaged(null)
    this.setCandidates([])
    ;(this.map.getSource(EXTENT) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [] })
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
        this.progress(f / 2, f < 1 ? `上传 ${Math.round(f * 100)}%` : '上传完成，正在校验…'), this.options)
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
    this.setCandidates([])
    try {
      const { id, from } = await start()
      this.upload = await this.follow(id, from)
      if (this.upload.status === 'failed') throw new api.ApiError(422, this.upload.error?.code ?? 'failed', this.upload.error?.message ?? '校验失败')
      this.progress(1, '校验完成')
      await this.renderReport()
      // the staged features over the live ones, the county outlines and the city's extent
      await this.act(() => this.preview())
    } catch (e) {
      this.progress(null, '')
      out.innerHTML = `<p class="error" role="alert">${escapeHtml(e instanceof api.ApiError ? zh(e.message) : failed)}</p>`
      if (e instanceof api.ApiError) this.explainRefusal(e, out)
    }
  }

  /** A refused CRS with something to choose from: each candidate zone, where it would put the data
   * (drawn on the map) and the counties there, and a button to read the file so; a stated CRS that
   * contradicts the .prj, with the button that confirms it. */
  private explainRefusal(e: api.ApiError, out: HTMLElement): void {
    const detail = (e.detail ?? {}) as { candidates?: api.CrsCandidate[]; read?: api.CrsCandidate }
    const candidates = detail.candidates ?? []
    const layer = this.root.querySelector<HTMLSelectElement>('#upload-form select[name=layer]')?.value ?? 'parcels'
    const retry = (crs: string, confirmCrs: boolean) => {
      this.options = { ...this.options, crs, confirmCrs }
      const select = this.root.querySelector<HTMLSelectElement>('#upload-form select[name=crs]')
      if (select) select.value = crs
      void this.send(layer, null)
    }
    if (candidates.length || detail.read) {
      const rows = [...(detail.read ? [{ ...detail.read, read: true }] : []), ...candidates.map((c) => ({ ...c, read: false }))]
      out.insertAdjacentHTML('beforeend', `<table class="card" data-testid="upload-candidates"><tr><th>坐标系</th><th>数据将落在</th><th>区县</th><th></th></tr>
        ${rows.map((c) => `<tr data-epsg="${c.epsg}"><td>EPSG:${c.epsg}${c.centralMeridian !== null ? `（中央经线 ${c.centralMeridian}°E）` : ''}${c.read ? '（所用）' : ''}</td>
          <td>${c.bbox.map((v) => v.toFixed(3)).join(', ')}</td>
          <td>${c.counties.length ? escapeHtml(c.counties.map((k) => k.name).join('、')) : `市域以外 ${num(c.distanceKm, 0)} km`}</td>
          <td>${c.read ? '' : `<button type="button" class="use-crs" data-epsg="${c.epsg}">按此坐标系读取</button>`}</td></tr>`).join('')}</table>`)
      for (const b of out.querySelectorAll<HTMLButtonElement>('button.use-crs')) b.onclick = () => retry(`EPSG:${b.dataset.epsg}`, true)
      this.setCandidates(rows)
    }
    const layers = (e.detail as { layers?: api.UploadLayerInfo[] } | undefined)?.layers ?? []
    if ((e.code === 'upload_layer_choice' || e.code === 'upload_layer_unknown') && layers.length) {
      out.insertAdjacentHTML('beforeend', this.layerChoice(layers, null))
      this.wireLayerChoice(out, layer)
    }
    if (e.code === 'crs_stated_conflict' && this.options.crs) {
      out.insertAdjacentHTML('beforeend', `<button type="button" id="confirm-crs">确认按 ${escapeHtml(this.options.crs)} 读取</button>`)
      out.querySelector<HTMLButtonElement>('#confirm-crs')!.onclick = () => retry(this.options.crs!, true)
    }
  }

  /** The layers of a multi-layer file, with their counts, each with a button to read it. */
  private layerChoice(layers: api.UploadLayerInfo[], current: string | null): string {
    return `<table class="card" data-testid="upload-layers"><tr><th>源图层</th><th>面</th><th>未导入</th><th></th></tr>
      ${layers.map((l) => `<tr><td>${escapeHtml(l.name)}${l.name === current ? '（所用）' : ''}</td><td>${num(l.featureCount, 0)}</td><td>${num(l.skipped, 0)}</td>
        <td>${l.name === current || l.featureCount === 0 ? '' : `<button type="button" class="use-layer" data-layer="${escapeHtml(l.name)}">读取此图层</button>`}</td></tr>`).join('')}</table>`
  }

  private wireLayerChoice(out: HTMLElement, layer: string): void {
    for (const b of out.querySelectorAll<HTMLButtonElement>('button.use-layer')) {
      b.onclick = () => {
        this.options = { ...this.options, sourceLayer: b.dataset.layer }
        void this.send(layer, null)
      }
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
        <p>${escapeHtml(u.fileName)} · ${num(r.featureCount, 0)} 个要素：通过 ${num(r.accepted, 0)}，拒绝 ${num(r.rejected, 0)}，有警告 ${num(r.warned, 0)} 个；
          合计 ${areaM2(r.areaM2)}</p>
        <p data-testid="upload-changes">提交后：新增 ${num(r.new, 0)}，变更 ${num(r.changed, 0)}，未变 ${num(r.unchanged, 0)}（未变的不产生新版本，也不记入一地一档）</p>
        ${r.changes?.length ? `<ul class="muted" data-testid="upload-changed">${r.changes.map((c) =>
          `<li>第 ${c.index + 1} 个要素${c.key ? `（${escapeHtml(c.key)}）` : ''}变更：${c.fields.map((f) => escapeHtml(fieldLabel(u.layer, f))).join('、')}</li>`).join('')}
          ${r.changesTruncated ? '<li>……（仅列出部分）</li>' : ''}</ul>` : ''}
        ${r.counties?.length ? `<p data-testid="upload-counties">所属区县：${r.counties.map((c) => `${escapeHtml(c.name ?? c.code)} ${num(c.features, 0)} 个（${escapeHtml(COUNTY_SOURCES[c.source ?? ''] ?? c.source ?? '')}）`).join('；')}</p>` : ''}
        ${d.sources.map((s) => `<table class="card">
          <tr><th>数据</th><td>${escapeHtml(s.name)}（${escapeHtml(s.geometryType)}，${num(s.featureCount, 0)} 个）</td></tr>
          <tr><th>字符编码</th><td data-testid="upload-encoding">${s.encoding ? `${escapeHtml(s.encoding.encoding.toUpperCase())}（${escapeHtml(ENCODING_SOURCES[s.encoding.source] ?? s.encoding.source)}）<div class="muted">${escapeHtml(zh(s.encoding.reason))}</div>` : `UTF-8（${escapeHtml(UTF8_BY_FORMAT[d.kind] ?? 'GeoJSON')} 规定）`}</td></tr>
          <tr><th>坐标系</th><td data-testid="upload-crs">EPSG:${escapeHtml(s.crs.epsg)}（${escapeHtml(CRS_SOURCES[s.crs.source] ?? s.crs.source)}）<div class="muted">${escapeHtml(zh(s.crs.reason))}</div></td></tr>
          ${s.notes?.length ? `<tr><th>说明</th><td class="muted">${s.notes.map((x) => escapeHtml(zh(x))).join('<br>')}</td></tr>` : ''}
          ${s.skippedCount ? `<tr><th>未导入</th><td data-testid="upload-skipped">${num(s.skippedCount, 0)} 项<ul class="muted">${(s.skipped ?? []).slice(0, 20).map((x) => `<li>${escapeHtml(zh(x))}</li>`).join('')}</ul></td></tr>` : ''}
        </table>`).join('')}
        ${d.layers && d.layers.length > 1 ? this.layerChoice(d.layers, d.layer ?? null) : ''}
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
        ${r.warnings ? '<label><input type="checkbox" id="accept-warnings"> 已核对警告，仍然提交</label>' : ''}
        ${r.errors ? '<label><input type="checkbox" id="skip-rejected"> 跳过被拒绝的要素，只提交通过的</label>' : ''}
        <div class="actions">
          <button type="button" id="upload-preview">在地图上预览</button>
          <button type="button" id="upload-commit">提交入库</button>
          <button type="button" id="upload-discard">放弃</button>
        </div>
        <div id="upload-result" role="status"></div>
      </section>`
    this.wireLayerChoice(out, u.layer)
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
    return `<div class="scroll"><table class="sample" data-testid="upload-sample"><tr><th>#</th>${cols.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}<th>面积</th><th>区县</th><th>结果</th><th>提交后</th></tr>
      ${rows.map((r) => `<tr><td>${r.index + 1}</td>${cols.map((c) => `<td>${escapeHtml(r.values[c.name] ?? '')}</td>`).join('')}
        <td>${num(r.area_m2)} m²</td><td title="${escapeHtml(COUNTY_SOURCES[r.county_source ?? ''] ?? '')}">${escapeHtml(r.county_name ?? r.county_code ?? '')}</td>
        <td>${escapeHtml(STATUS_NAMES[r.status] ?? r.status)}</td>
        <td title="${escapeHtml((r.changedFields ?? []).map((f) => fieldLabel(this.upload?.layer ?? '', f)).join('、'))}">${escapeHtml(CHANGE_NAMES[r.change] ?? r.change)}</td></tr>`).join('')}</table></div>`
  }

  private problems(title: string, list: api.UploadIssue[], cls: string): string {
    if (!list.length) return `<p class="muted">无${title}</p>`
    // counted as the summary counts them (features), with the number of issues beside
    const features = new Set(list.map((p) => p.index)).size
    return `<h4>${title}（${features} 个要素${list.length !== features ? `，${list.length} 条` : ''}）</h4><ul class="${cls}" data-testid="upload-${cls}s">${list.slice(0, 200).map((p) =>
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
    // done: committing again or discarding would only be refused (409)
    for (const id of ['upload-commit', 'upload-discard', 'accept-warnings', 'skip-rejected']) {
      const b = this.root.querySelector<HTMLButtonElement | HTMLInputElement>(`#${id}`)
      if (b) b.disabled = true
    }
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
    if (!el) return
    el.innerHTML = html
    // the answer where the user looks: scrolled into the panel's view
    el.scrollIntoView({ block: 'nearest' })
  }

  private setCandidates(list: api.CrsCandidate[]): void {
    const features = list.map((c) => {
      const [w, s, e, n] = c.bbox
      return {
        type: 'Feature' as const,
        properties: { epsg: c.epsg, fits: c.fits, label: `EPSG:${c.epsg}` },
        geometry: { type: 'Polygon' as const, coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
      }
    })
    ;(this.map.getSource(CANDIDATES) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features })
    const near = list.filter((c) => c.intersects || c.fits)
    const show = near.length ? near : list
    if (show.length) {
      const b = show.reduce((a, c) => [Math.min(a[0], c.bbox[0]), Math.min(a[1], c.bbox[1]), Math.max(a[2], c.bbox[2]), Math.max(a[3], c.bbox[3])],
        [Infinity, Infinity, -Infinity, -Infinity])
      this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 14, duration: 0 })
    }
  }

  private setStaged(fc: GeoJSON.FeatureCollection | null): void {
    (this.map.getSource(STAGED) as GeoJSONSource | undefined)?.setData(fc ?? { type: 'FeatureCollection', features: [] })
  }
}
