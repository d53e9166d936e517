/** The web map's charts, on ECharts 6 with only what they draw registered (bar, line and pie series,
 * grid, legend, tooltip, mark line, SVG renderer), so that the bundle carries no more of ECharts than
 * this. Panels load this module with `await import('./charts')`: ECharts then sits in its own chunk,
 * fetched when a panel with charts first opens, and the map itself loads no heavier.
 *
 * Every helper draws into the element it is given (which must be in the page and have a width),
 * reuses the chart already there, replaces its whole option (and its click handler), follows the
 * element's size, and returns the ECharts instance; `disposeCharts(root)` frees every chart under
 * an element before that element is emptied. The element gets role="img" and the given `title` as
 * aria-label, since a chart is a picture. */
import { getInstanceByDom, init, use, type ComposeOption, type EChartsType } from 'echarts/core'
import { BarChart, LineChart, PieChart, type BarSeriesOption, type LineSeriesOption, type PieSeriesOption } from 'echarts/charts'
import {
  GridComponent, LegendComponent, MarkLineComponent, TooltipComponent,
  type GridComponentOption, type LegendComponentOption, type MarkLineComponentOption, type TooltipComponentOption,
} from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { escapeHtml, num } from './format'

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, SVGRenderer])

export type Chart = EChartsType
export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption
  | GridComponentOption | LegendComponentOption | MarkLineComponentOption | TooltipComponentOption>

/** Green at or above the target, red below: the colours the bureau's reports use. */
export const ABOVE_COLOUR = '#2e7d32'
export const BELOW_COLOUR = '#c62828'
export const TARGET_COLOUR = '#212121'
export const NO_DATA_COLOUR = '#90a4ae'
const AXIS_TEXT = '#607d8b'
const FONT = 'system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'

/** For the browser tests and for debugging in the console: the chart drawn in an element. */
declare global {
  interface Window { __onemapCharts?: { byDom(el: Element | null): Chart | undefined } }
}
window.__onemapCharts = { byDom: (el) => (el instanceof HTMLElement ? getInstanceByDom(el) : undefined) }

interface Common {
  /** What the chart shows, read out by screen readers. */
  title: string
  /** Height in px; the width is the element's. */
  height?: number
}

/** Charts follow their element's width (a panel opened wider, a report laid out for print). */
const observers = new WeakMap<HTMLElement, ResizeObserver>()

function draw(el: HTMLElement, option: ChartOption, common: Common, height: number): Chart {
  el.style.height = `${common.height ?? height}px`
  el.setAttribute('role', 'img')
  el.setAttribute('aria-label', common.title)
  const chart = getInstanceByDom(el) ?? init(el, null, { renderer: 'svg', locale: 'ZH' })
  if (!observers.has(el)) {
    // resized in the next frame, not inside the observer's callback, so that no resize loop is reported
    const observer = new ResizeObserver(() => requestAnimationFrame(() => getInstanceByDom(el)?.resize()))
    observer.observe(el)
    observers.set(el, observer)
  }
  // the panels redraw on every change of year or selection: animation would replay each time
  chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option }, { notMerge: true })
  chart.off('click')
  return chart
}

/** Frees every chart drawn under `root` (call before emptying or removing it). */
export function disposeCharts(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[_echarts_instance_]')) {
    observers.get(el)?.disconnect()
    observers.delete(el)
    getInstanceByDom(el)?.dispose()
  }
}

// ---- bars against a target ----------------------------------------------------------------------

export interface TargetBar {
  /** Stable key (a cluster code): the bar's data id, and what a click reports. */
  id: string
  label: string
  /** null: no figures (drawn as 无数据 beside the label). */
  value: number | null
  target: number
}

export interface TargetBarOptions extends Common {
  /** Shown after values in the tooltip, e.g. 万元/亩. */
  unit?: string
  /** Called with the bar (or its label, or its target tick) that was clicked. */
  onClick?: (bar: TargetBar) => void
}

/** Horizontal bars in the given order, top to bottom, each with its own target as a black tick;
 * green at or above the target, red below (grey: no figures). Series 0 is the bars (data items carry `id`, `value`
 * and `itemStyle.color`), series 1 the targets. */
export function targetBarChart(el: HTMLElement, bars: TargetBar[], opts: TargetBarOptions): Chart {
  const unit = opts.unit ? ` ${opts.unit}` : ''
  const labels = bars.map((b) => b.label)
  const axisMax = Math.max(0, ...bars.flatMap((b) => [b.value ?? 0, b.target]))
  const chart = draw(el, {
    grid: { left: 4, right: 52, top: 8, bottom: 4 },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const i = (Array.isArray(params) ? params[0] : params)?.dataIndex ?? -1
        const b = bars[i]
        return b ? `${escapeHtml(b.label)}：${num(b.value)}${unit}<br>目标 ${num(b.target)}${unit}` : ''
      },
    },
    xAxis: { type: 'value', axisLabel: { color: AXIS_TEXT, fontSize: 10 }, splitLine: { lineStyle: { color: '#eceff1' } } },
    yAxis: {
      type: 'category', data: labels, inverse: true, triggerEvent: true,
      axisTick: { show: false }, axisLine: { lineStyle: { color: '#b0bec5' } },
      axisLabel: { fontSize: 11, color: '#212121', formatter: (label: string, i: number) => (bars[i]?.value === null ? `${label}（无数据）` : label) },
    },
    series: [
      {
        type: 'bar', name: '实际', barWidth: 16, cursor: 'pointer',
        data: bars.map((b) => ({
          id: b.id, name: b.label, value: b.value,
          itemStyle: { color: b.value === null ? NO_DATA_COLOUR : b.value >= b.target ? ABOVE_COLOUR : BELOW_COLOUR },
          // the value is written at the end of its own bar, never beside the target's tick: after a
          // bar that passes its tick, inside the end of one that stops short of it (where the tick
          // would cross it), unless the bar is too short to hold it
          label: b.value !== null && b.value < b.target && b.value >= 0.08 * axisMax
            ? { show: true, position: 'insideRight', color: '#ffffff', backgroundColor: 'transparent' }
            : { show: b.value !== null },
        })),
        // on a white ground, so that a target tick just past a short bar does not cross the figure
        label: { position: 'right', fontSize: 12, color: '#212121', backgroundColor: 'rgba(255,255,255,0.92)', padding: [1, 3], borderRadius: 2, formatter: (p) => num(p.value, 1) },
      },
      {
        // the targets as ticks across each bar: a line series with its line hidden, symbols only
        type: 'line', name: '目标',
        data: bars.map((b) => ({ id: b.id, name: b.label, value: b.target })),
        symbol: 'rect', symbolSize: [3, 22], showAllSymbol: true, lineStyle: { opacity: 0 },
        itemStyle: { color: TARGET_COLOUR }, emphasis: { disabled: true }, z: 3,
        label: { show: false },
      },
    ],
  }, opts, Math.max(240, bars.length * 30 + 40)) // readable: 30 px a bar, never a sliver
  if (opts.onClick) {
    const onClick = opts.onClick
    chart.on('click', (p) => {
      const bar = p.componentType === 'series' ? bars[p.dataIndex] : bars[labels.indexOf(String(p.value))]
      if (bar) onClick(bar)
    })
  }
  return chart
}

// ---- lines over the years ------------------------------------------------------------------------

export interface TrendSeries {
  name: string
  colour: string
  /** One value per year of the chart's `years`; null where there are no figures. */
  values: (number | null)[]
  /** Drawn as a dashed line in the series' colour, labelled 目标. */
  target?: number
}

export interface TrendOptions extends Common {
  unit?: string
}

/** Lines over the years (a category axis), each series with its own dashed target line. */
export function trendChart(el: HTMLElement, years: (number | string)[], series: TrendSeries[], opts: TrendOptions): Chart {
  const unit = opts.unit ? ` ${opts.unit}` : ''
  return draw(el, {
    grid: { left: 4, right: 56, top: 32, bottom: 4 },
    legend: { top: 0, left: 0, itemWidth: 18, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined || v === '-' ? '无数据' : `${num(v)}${unit}`) },
    xAxis: { type: 'category', data: years.map(String), boundaryGap: false, axisLabel: { color: AXIS_TEXT, fontSize: 10 } },
    yAxis: { type: 'value', min: 0, axisLabel: { color: AXIS_TEXT, fontSize: 10 }, splitLine: { lineStyle: { color: '#eceff1' } } },
    series: series.map((s): LineSeriesOption => ({
      type: 'line', name: s.name, data: s.values, connectNulls: false, symbolSize: 6,
      itemStyle: { color: s.colour }, lineStyle: { color: s.colour, width: 2 },
      markLine: s.target === undefined ? undefined : {
        symbol: 'none', silent: true, lineStyle: { color: s.colour, type: 'dashed', opacity: 0.7 },
        label: { position: 'end', color: s.colour, fontSize: 10, formatter: `目标 ${num(s.target, 0)}` },
        data: [{ yAxis: s.target, name: '目标' }],
      },
    })),
  }, opts, 200)
}

// ---- a distribution ------------------------------------------------------------------------------

export interface Slice {
  name: string
  value: number
  colour?: string
}

export interface DistributionOptions extends Common {
  /** 'bar' (default): vertical bars with the count on top; 'pie': a ring with name and share. */
  kind?: 'bar' | 'pie'
  unit?: string
}

/** How many fall in each class (ratings A–D, statuses…), in the given order. Series 0's data
 * items carry `name`, `value` and `itemStyle.color` either way. */
export function distributionChart(el: HTMLElement, slices: Slice[], opts: DistributionOptions): Chart {
  const unit = opts.unit ?? ''
  const data = slices.map((s) => ({ name: s.name, value: s.value, itemStyle: s.colour ? { color: s.colour } : undefined }))
  const tooltip: TooltipComponentOption = { trigger: 'item', valueFormatter: (v) => `${num(v, 0)}${unit}` }
  if (opts.kind === 'pie') {
    return draw(el, {
      tooltip,
      legend: { bottom: 0, itemWidth: 12, textStyle: { fontSize: 11 } },
      series: [{
        type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'], data,
        label: { fontSize: 11, formatter: (p) => `${p.name}\n${num(p.value, 0)}（${num(p.percent, 1)}%）` },
      }],
    }, opts, 220)
  }
  return draw(el, {
    tooltip,
    grid: { left: 4, right: 4, top: 20, bottom: 4 },
    xAxis: { type: 'category', data: slices.map((s) => s.name), axisTick: { show: false }, axisLabel: { fontSize: 12, color: '#212121' } },
    yAxis: { type: 'value', show: false },
    series: [{ type: 'bar', data, barMaxWidth: 48, label: { show: true, position: 'top', fontSize: 11, formatter: (p) => num(p.value, 0) } }],
  }, opts, 150)
}
