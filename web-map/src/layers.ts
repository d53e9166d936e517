/** The map's layers as data: for each tile layer of the server, the MapLibre style layers that
 * draw it and the legend that explains them. Parcels are coloured by their classification from
 * the analysis engine (批而未供, 闲置, 低效 by type, 未供即用, normal); a parcel the engine has not
 * classified yet is coloured by its life-cycle stage. */
import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl'
import { label } from './format'

export interface LegendItem {
  key: string
  label: string
  colour: string
  /** 'fill' swatch, 'line' stroke, or 'circle' point. */
  shape?: 'fill' | 'line' | 'circle'
}

export interface LayerGroup {
  /** The tile layer (source and source-layer) it draws. */
  id: string
  title: string
  visible: boolean
  layers: Omit<LayerSpecification, 'source' | 'source-layer'>[]
  legend: LegendItem[]
  /** Layers that respond to hover and click. */
  interactive?: string[]
}

/** The key a parcel is coloured and filtered by: its classification detail, else its class, else
 * its stage (until the analysis engine has classified it). */
export const PARCEL_KEY: ExpressionSpecification = [
  'coalesce', ['get', 'class_detail'], ['get', 'class'], ['concat', 'stage_', ['get', 'stage']],
]

export const PARCEL_LEGEND: LegendItem[] = [
  { key: 'used_before_supply', label: '未供即用', colour: '#8e24aa' },
  { key: 'idle_1', label: '闲置（满1年不满2年）', colour: '#e53935' },
  { key: 'idle_2', label: '闲置（满2年）', colour: '#b71c1c' },
  { key: 'inefficient_1', label: '低效·产业转型', colour: '#e65100' },
  { key: 'inefficient_2', label: '低效·停建缓建', colour: '#ef6c00' },
  { key: 'inefficient_3', label: '低效·开发未达标', colour: '#f57c00' },
  { key: 'inefficient_4', label: '低效·停产半停产', colour: '#fb8c00' },
  { key: 'inefficient_5', label: '低效·产出未达标', colour: '#ffa726' },
  { key: 'inefficient_6', label: '低效·其他', colour: '#ffb74d' },
  { key: 'stage_approved', label: '批而未供（已批未供）', colour: '#fdd835' },
  { key: 'stage_supplied', label: '正常·已供未建', colour: '#90caf9' },
  { key: 'stage_under_construction', label: '正常·在建', colour: '#42a5f5' },
  { key: 'stage_completed', label: '正常·已竣工', colour: '#66bb6a' },
  { key: 'stage_producing', label: '正常·已投产', colour: '#2e7d32' },
  { key: 'stage_recovered', label: '已收回', colour: '#9e9e9e' },
]

/** The class filter's choices, as the keys of PARCEL_KEY they cover. */
export const CLASS_FILTERS: { id: string; label: string; keys: string[] }[] = [
  { id: 'unsupplied', label: '批而未供', keys: ['stage_approved'] },
  { id: 'idle', label: '闲置', keys: ['idle', 'idle_1', 'idle_2'] },
  { id: 'inefficient', label: '低效', keys: ['inefficient', ...[1, 2, 3, 4, 5, 6].map((n) => `inefficient_${n}`)] },
  { id: 'used_before_supply', label: '未供即用', keys: ['used_before_supply'] },
  { id: 'normal', label: '正常', keys: ['stage_supplied', 'stage_under_construction', 'stage_completed', 'stage_producing', 'stage_recovered'] },
]

const parcelColour: ExpressionSpecification = [
  'match', PARCEL_KEY,
  ...PARCEL_LEGEND.flatMap((l) => [l.key, l.colour]),
  'idle', '#e53935',
  'inefficient', '#f57c00',
  '#bdbdbd',
] as unknown as ExpressionSpecification

const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false]
const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false]

export const ZONE_COLOURS: Record<string, string> = {
  industrial: '#d7ccc8', logistics: '#b39ddb', residential: '#ffe0b2', public: '#b3e5fc', green: '#c8e6c9', road: '#eeeeee', other: '#f5f5f5',
}

export const LAYER_GROUPS: LayerGroup[] = [
  {
    // DOMAIN.md "County of a parcel": where a parcel lies decides its county; the outlines are
    // reference data (fixtures/luoyang-counties.geojson, precision 600 m)
    id: 'counties', title: '区县界', visible: true,
    layers: [
      { id: 'counties-line', type: 'line', paint: { 'line-color': '#546e7a', 'line-width': 1.2, 'line-dasharray': [6, 3] } },
      {
        id: 'counties-label', type: 'symbol', maxzoom: 12,
        layout: { 'text-field': ['get', 'name'], 'text-font': ['sans-serif'], 'text-size': 13, 'symbol-placement': 'point' },
        paint: { 'text-color': '#37474f', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      },
    ],
    legend: [{ key: 'county', label: '区县界', colour: '#546e7a', shape: 'line' }],
  },
  {
    id: 'plan_zones', title: '规划分区', visible: true,
    layers: [
      {
        id: 'plan_zones-fill', type: 'fill',
        paint: {
          'fill-color': ['match', ['get', 'zone_type'], ...Object.entries(ZONE_COLOURS).flat(), '#f5f5f5'] as unknown as ExpressionSpecification,
          'fill-opacity': 0.6,
        },
      },
      { id: 'plan_zones-line', type: 'line', paint: { 'line-color': '#a1887f', 'line-width': 0.8 } },
    ],
    legend: Object.entries(ZONE_COLOURS).map(([k, c]) => ({ key: k, label: label('zoneType', k), colour: c })),
  },
  {
    id: 'clusters', title: '产业集聚区', visible: true,
    layers: [
      { id: 'clusters-fill', type: 'fill', paint: { 'fill-color': '#1565c0', 'fill-opacity': ['case', selected, 0.12, 0.04] } },
      { id: 'clusters-line', type: 'line', paint: { 'line-color': '#1565c0', 'line-width': ['case', selected, 3.5, 2], 'line-dasharray': [4, 2] } },
      {
        id: 'clusters-label', type: 'symbol',
        layout: { 'text-field': ['get', 'short_name'], 'text-font': ['sans-serif'], 'text-size': 14, 'symbol-placement': 'point' },
        paint: { 'text-color': '#0d47a1', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      },
    ],
    legend: [{ key: 'boundary', label: '集聚区边界', colour: '#1565c0', shape: 'line' }],
    interactive: ['clusters-fill'],
  },
  {
    id: 'batches', title: '批次', visible: true,
    layers: [{ id: 'batches-line', type: 'line', paint: { 'line-color': '#6d4c41', 'line-width': 1.5, 'line-dasharray': [2, 2] } }],
    legend: [{ key: 'batch', label: '农转用/征收批次', colour: '#6d4c41', shape: 'line' }],
  },
  {
    id: 'unsupplied', title: '批而未供', visible: true,
    layers: [
      { id: 'unsupplied-fill', type: 'fill', paint: { 'fill-color': '#fdd835', 'fill-opacity': 0.45 } },
      { id: 'unsupplied-line', type: 'line', paint: { 'line-color': '#f9a825', 'line-width': 1 } },
    ],
    legend: [{ key: 'remainder', label: '批次未供部分', colour: '#fdd835' }],
  },
  {
    id: 'parcels', title: '宗地', visible: true,
    layers: [
      { id: 'parcels-fill', type: 'fill', paint: { 'fill-color': parcelColour, 'fill-opacity': ['case', hovered, 0.9, 0.7] } },
      {
        id: 'parcels-line', type: 'line',
        paint: {
          'line-color': ['case', selected, '#00e5ff', hovered, '#263238', '#ffffff'],
          'line-width': ['case', selected, 3, hovered, 2, 0.8],
        },
      },
      {
        id: 'parcels-label', type: 'symbol', minzoom: 15,
        layout: { 'text-field': ['get', 'code'], 'text-font': ['sans-serif'], 'text-size': 11 },
        paint: { 'text-color': '#212121', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2 },
      },
    ],
    legend: PARCEL_LEGEND,
    interactive: ['parcels-fill'],
  },
  {
    id: 'changes', title: '遥感变化图斑', visible: true,
    layers: [
      { id: 'changes-fill', type: 'fill', paint: { 'fill-color': '#d500f9', 'fill-opacity': 0.25 } },
      { id: 'changes-line', type: 'line', paint: { 'line-color': '#aa00ff', 'line-width': 1.5 } },
    ],
    legend: [{ key: 'change', label: '变化图斑', colour: '#d500f9' }],
    interactive: ['changes-fill'],
  },
  {
    id: 'alerts', title: '巡查预警', visible: true,
    layers: [{
      id: 'alerts-circle', type: 'circle',
      paint: {
        'circle-radius': 7,
        'circle-color': ['match', ['get', 'severity'], 'high', '#d50000', 'medium', '#ff6d00', '#ffd600'],
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2,
      },
    }],
    legend: [
      { key: 'high', label: '高', colour: '#d50000', shape: 'circle' },
      { key: 'medium', label: '中', colour: '#ff6d00', shape: 'circle' },
      { key: 'low', label: '低', colour: '#ffd600', shape: 'circle' },
    ],
    interactive: ['alerts-circle'],
  },
]

/** Labels and strokes go above every fill, in this order. */
export const LABEL_ORDER = ['clusters-line', 'clusters-label', 'parcels-label']

export function parcelFilter(f: { cluster: string | null; county: string | null; classes: string[] | null }): FilterSpecification | null {
  const all: ExpressionSpecification[] = []
  if (f.cluster) all.push(['==', ['get', 'cluster_code'], f.cluster])
  if (f.county) all.push(['==', ['get', 'county_code'], f.county])
  if (f.classes) {
    const keys = CLASS_FILTERS.filter((c) => f.classes!.includes(c.id)).flatMap((c) => c.keys)
    all.push(['in', PARCEL_KEY, ['literal', keys]])
  }
  return all.length ? (['all', ...all] as FilterSpecification) : null
}
