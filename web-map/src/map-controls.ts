/** Controls on the map itself (MapLibre IControl), so that the legend and the tools are where the
 * eye is, not below the fold of the sidebar under the cluster list:
 * - the layer list with its legend, collapsible (collapsed on a phone, where it would cover the map);
 * - the toolbar: 测距, 测面, 清除, 数据上传, 亩均效益, with the measure read-out under it (the
 *   measured value is also drawn on the map beside the last point, measure.ts).
 * Each control takes existing elements (their ids, handlers and tests unchanged) into its box. */
import type { IControl, Map as MlMap } from 'maplibre-gl'

/** A box on the map around elements of the page. */
class BoxControl implements IControl {
  protected box = document.createElement('div')

  constructor(className: string, testid: string) {
    this.box.className = `maplibregl-ctrl maplibregl-ctrl-group onemap-ctrl ${className}`
    this.box.dataset.testid = testid
    // clicks and wheels in the box are the box's, not the map's
    for (const type of ['click', 'dblclick', 'wheel', 'mousedown', 'touchstart'] as const) {
      this.box.addEventListener(type, (e) => e.stopPropagation(), { passive: true })
    }
  }

  onAdd(_map: MlMap): HTMLElement {
    return this.box
  }

  onRemove(): void {
    this.box.remove()
  }
}

/** The legend: a header button that opens and closes it, the layer list under it. */
export class LegendControl extends BoxControl {
  private toggle = document.createElement('button')
  private body = document.createElement('div')

  constructor(content: HTMLElement, collapsed: boolean) {
    super('onemap-legend', 'legend-control')
    this.toggle.type = 'button'
    this.toggle.className = 'onemap-ctrl-head'
    this.toggle.dataset.testid = 'legend-toggle'
    this.toggle.onclick = () => this.setOpen(this.body.hidden)
    this.body.className = 'onemap-ctrl-body'
    this.body.append(content)
    this.box.append(this.toggle, this.body)
    this.setOpen(!collapsed)
  }

  setOpen(open: boolean): void {
    this.body.hidden = !open
    this.toggle.setAttribute('aria-expanded', String(open))
    this.toggle.textContent = open ? '图层与图例 ▴' : '图层与图例 ▾'
    this.toggle.title = open ? '收起图例' : '展开图例'
  }

  get open(): boolean {
    return !this.body.hidden
  }
}

/** The toolbar: the tool buttons in a row, the measure read-out under them. */
export class ToolbarControl extends BoxControl {
  constructor(tools: HTMLElement) {
    super('onemap-toolbar', 'toolbar')
    this.box.setAttribute('role', 'toolbar')
    this.box.setAttribute('aria-label', '工具')
    this.box.append(tools)
  }
}
