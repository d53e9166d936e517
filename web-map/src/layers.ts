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

/** Colours chosen so that every two classes of different meaning stay apart (CIEDE2000 ≥ 15) for
 * normal, protanopic and deuteranopic eyes, and shades within a class (闲置 by stage, 低效 by type, 正常 by
 * stage) apart for normal eyes (≥ 6): checked in web-map/test/colours.test.ts. Labels: server/labels/. */
export const PARCEL_LEGEND: LegendItem[] = [
  { key: 'used_before_supply', label: label('parcelKey', 'used_before_supply'), colour: '#772eb9' },
  { key: 'idle_1', label: label('parcelKey', 'idle_1'), colour: '#a4293e' },
  { key: 'idle_2', label: label('parcelKey', 'idle_2'), colour: '#640b06' },
  { key: 'inefficient_1', label: label('parcelKey', 'inefficient_1'), colour: '#e86905' },
  { key: 'inefficient_2', label: label('parcelKey', 'inefficient_2'), colour: '#d34e0b' },
  { key: 'inefficient_3', label: label('parcelKey', 'inefficient_3'), colour: '#cb9b17' },
  { key: 'inefficient_4', label: label('parcelKey', 'inefficient_4'), colour: '#f85300' },
  { key: 'inefficient_5', label: label('parcelKey', 'inefficient_5'), colour: '#bf750d' },
  { key: 'inefficient_6', label: label('parcelKey', 'inefficient_6'), colour: '#ca6202' },
  { key: 'stage_approved', label: label('parcelKey', 'stage_approved'), colour: '#fbff12' },
  { key: 'stage_supplied', label: label('parcelKey', 'stage_supplied'), colour: '#849ae1' },
  { key: 'stage_under_construction', label: label('parcelKey', 'stage_under_construction'), colour: '#549de1' },
  { key: 'stage_completed', label: label('parcelKey', 'stage_completed'), colour: '#299ad2' },
  { key: 'stage_producing', label: label('parcelKey', 'stage_producing'), colour: '#122049' },
  { key: 'stage_recovered', label: label('parcelKey', 'stage_recovered'), colour: '#bbbbc2' },
]

/** The parcels' classes as the colour test groups them: shades of one group mean one class. */
export const PARCEL_GROUPS: Record<string, string[]> = {
  used_before_supply: ['used_before_supply'], idle: ['idle_1', 'idle_2'],
  inefficient: [1, 2, 3, 4, 5, 6].map((n) => `inefficient_${n}`), unsupplied: ['stage_approved'],
  normal: ['stage_supplied', 'stage_under_construction', 'stage_completed', 'stage_producing'], recovered: ['stage_recovered'],
}

/** The other layers' fills drawn over or beside parcels: 批次未供部分 and 变化图斑 (not the colour of any class). */
export const REMAINDER_COLOUR = '#bcecb1'
export const CHANGE_COLOUR = '#11a17b'

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
  'idle', '#a4293e',
  'inefficient', '#e86905',
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
      { id: 'unsupplied-fill', type: 'fill', paint: { 'fill-color': REMAINDER_COLOUR, 'fill-opacity': 0.55 } },
      { id: 'unsupplied-line', type: 'line', paint: { 'line-color': '#689f38', 'line-width': 1, 'line-dasharray': [3, 2] } },
    ],
    legend: [{ key: 'remainder', label: '批次未供部分', colour: REMAINDER_COLOUR }],
  },
  {
    id: 'parcels', title: '宗地', visible: true,
    layers: [
      // the selected parcel stands out by its fill too: below zoom 13 it has no outline
      { id: 'parcels-fill', type: 'fill', paint: { 'fill-color': parcelColour, 'fill-opacity': ['case', selected, 1, hovered, 0.9, 0.7] } },
      {
        // No outline at zoom 12, where a parcel is a few pixels and its 0.8 px outline mostly
        // covers it; it also halves what the browser builds from a parcel tile there (24 616
        // parcels in the densest view of a million-parcel city).
        id: 'parcels-line', type: 'line', minzoom: 13,
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
      { id: 'changes-fill', type: 'fill', paint: { 'fill-color': CHANGE_COLOUR, 'fill-opacity': 0.3 } },
      { id: 'changes-line', type: 'line', paint: { 'line-color': CHANGE_COLOUR, 'line-width': 2 } },
    ],
    legend: [{ key: 'change', label: '变化图斑', colour: CHANGE_COLOUR }],
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

/** Label layers drawn from a GeoJSON source of one point per feature (label-points.ts) instead of
 * the tiles, so that a feature cut by tile edges is labelled once. */
export const LABEL_SOURCES: Record<string, string> = { 'clusters-label': 'cluster-labels', 'parcels-label': 'parcel-labels' }

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
