/** The search box: a parcel code or an enterprise name (GET /api/parcels?q=); picking a
 * result flies the map to it and opens its card. */
import * as api from './api'
import { escapeHtml, mu, label } from './format'

export class SearchBox {
  private timer: ReturnType<typeof setTimeout> | null = null
  private hits: GeoJSON.Feature<GeoJSON.Geometry, api.SearchHit>[] = []
  private seq = 0

  constructor(
    private input: HTMLInputElement,
    private list: HTMLElement,
    private onPick: (hit: GeoJSON.Feature<GeoJSON.Geometry, api.SearchHit>) => void,
  ) {
    input.addEventListener('input', () => {
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.search(), 250)
    })
    input.addEventListener('keydown', async (e) => {
      if (e.key === 'Enter') {
        e.preventDefault()
        if (this.timer) clearTimeout(this.timer)
        await this.search()
        if (this.hits[0]) this.pick(0)
      } else if (e.key === 'Escape') this.clear()
    })
    // a tap or click anywhere else closes the list
    document.addEventListener('pointerdown', (e) => {
      if (!this.list.hidden && !this.list.contains(e.target as Node) && e.target !== input) this.clear()
    })
  }

  setEnabled(enabled: boolean): void {
    this.input.disabled = !enabled
    this.input.placeholder = enabled ? '搜索宗地编号或企业名称' : '登录后可搜索宗地'
    if (!enabled) this.clear()
  }

  async search(): Promise<void> {
    const q = this.input.value.trim()
    const seq = ++this.seq
    if (!q) return this.clear()
    try {
      const hits = await api.searchParcels(q)
      if (seq !== this.seq) return
      this.hits = hits
      this.list.hidden = false
      this.list.innerHTML = hits.length
        ? hits.map((h, i) => `<li data-i="${i}" tabindex="0"><b>${escapeHtml(h.properties.code)}</b>
            <span>${escapeHtml(h.properties.land_user_name ?? h.properties.owner_name ?? '')}</span>
            <small>${escapeHtml(label('stage', h.properties.stage))} · ${mu(h.properties.area_mu)}</small></li>`).join('')
        : '<li class="empty">未找到匹配的宗地</li>'
      for (const li of this.list.querySelectorAll<HTMLElement>('li[data-i]')) {
        li.onclick = () => this.pick(Number(li.dataset.i))
      }
    } catch (e) {
      if (seq !== this.seq) return
      this.list.hidden = false
      this.list.innerHTML = `<li class="error">${escapeHtml(e instanceof api.ApiError ? e.message.split(' / ')[0] : '检索失败')}</li>`
    }
  }

  private pick(i: number): void {
    const hit = this.hits[i]
    if (!hit) return
    this.clear()
    this.input.value = hit.properties.code
    this.onPick(hit)
  }

  clear(): void {
    // a search still on its way must not open the list again over the card it led to
    this.seq++
    if (this.timer) clearTimeout(this.timer)
    this.hits = []
    this.list.hidden = true
    this.list.innerHTML = ''
  }
}
