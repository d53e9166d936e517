/** The layer list with a toggle and a legend per layer, and the parcel filters (cluster, county,
 * class). Layers the role may not read, or that the analysis engine has not produced yet, are
 * listed as such rather than hidden without a word. */
import type { LayerInfo } from './api'
import { escapeHtml } from './format'
import { CLASS_FILTERS, LAYER_GROUPS, type LegendItem } from './layers'

export interface Filters {
  cluster: string | null
  county: string | null
  classes: string[] | null
}

function swatch(item: LegendItem): string {
  const shape = item.shape ?? 'fill'
  const style = shape === 'line' ? `border-top:2px dashed ${item.colour};height:0;margin-top:7px`
    : shape === 'circle' ? `background:${item.colour};border-radius:50%` : `background:${item.colour}`
  return `<i class="swatch" style="${style}"></i>`
}

export class LegendPanel {
  constructor(
    private root: HTMLElement,
    private onToggle: (group: string, visible: boolean) => void,
  ) {}

  render(catalog: Map<string, LayerInfo>, visible: Record<string, boolean>): void {
    this.root.innerHTML = LAYER_GROUPS.map((g) => {
      const info = catalog.get(g.id)
      const state = !info ? '<small class="muted">（登录后可见）</small>'
        : !info.available ? '<small class="muted">（待分析模块生成）</small>' : ''
      const usable = !!info?.available
      return `<div class="layer-group" data-group="${g.id}">
        <label><input type="checkbox" data-toggle="${g.id}" ${usable && visible[g.id] !== false ? 'checked' : ''} ${usable ? '' : 'disabled'}>
          ${escapeHtml(g.title)} ${state}</label>
        ${usable ? `<ul class="legend">${g.legend.map((l) => `<li>${swatch(l)}${escapeHtml(l.label)}</li>`).join('')}</ul>` : ''}
      </div>`
    }).join('')
    for (const input of this.root.querySelectorAll<HTMLInputElement>('input[data-toggle]')) {
      input.onchange = () => this.onToggle(input.dataset.toggle!, input.checked)
    }
  }
}

export class FilterPanel {
  private filters: Filters = { cluster: null, county: null, classes: null }

  constructor(private root: HTMLElement, private onChange: (f: Filters) => void) {}

  render(clusters: { code: string; name: string; county_code: string; county_name: string }[]): void {
    const counties = [...new Map(clusters.map((c) => [c.county_code, c.county_name])).entries()].sort()
    this.root.innerHTML = `
      <label>集聚区 <select id="filter-cluster"><option value="">全部</option>
        ${clusters.map((c) => `<option value="${escapeHtml(c.code)}">${escapeHtml(c.name)}</option>`).join('')}</select></label>
      <label>区县 <select id="filter-county"><option value="">全部</option>
        ${counties.map(([code, name]) => `<option value="${escapeHtml(code)}">${escapeHtml(name)}</option>`).join('')}</select></label>
      <fieldset><legend>分类</legend>
        ${CLASS_FILTERS.map((c) => `<label class="inline"><input type="checkbox" data-class="${c.id}" checked> ${c.label}</label>`).join('')}
      </fieldset>`
    const cluster = this.root.querySelector<HTMLSelectElement>('#filter-cluster')!
    const county = this.root.querySelector<HTMLSelectElement>('#filter-county')!
    const classes = [...this.root.querySelectorAll<HTMLInputElement>('input[data-class]')]
    const emit = () => {
      const chosen = classes.filter((c) => c.checked).map((c) => c.dataset.class!)
      this.filters = {
        cluster: cluster.value || null,
        county: county.value || null,
        classes: chosen.length === CLASS_FILTERS.length ? null : chosen,
      }
      this.onChange(this.filters)
    }
    cluster.onchange = emit
    county.onchange = emit
    for (const c of classes) c.onchange = emit
  }

  get current(): Filters {
    return this.filters
  }
}
