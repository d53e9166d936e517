/** QGIS layer styles (.qml) for the land layers, so that a desktop user who loads the tiles or the
 * features in QGIS sees the web map's classes, colours and Chinese labels (the web map's own
 * legend table, web-map/src/layers.ts). The shape follows what QGIS 3.22 loads (verified with
 * loadNamedStyle in research/issue19.md §7.2): a categorized renderer whose attribute is an
 * expression over the English codes the data carries, the labels in Chinese. The label font is
 * what the bureau's Windows desktops have (Microsoft YaHei); QGIS falls back silently elsewhere. */
import { LAYER_GROUPS, PARCEL_LEGEND, type LegendItem } from '../../web-map/src/layers'

const xml = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16)
  return `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${Math.round(alpha * 255)}`
}

interface QmlLayer { attr: string; items: LegendItem[]; alpha: number; labelField?: string; labelMaxScale?: number }

/** The layers with classes a desktop user styles by: parcels by the web map's key, plan zones by type. */
const QML_LAYERS: Record<string, QmlLayer> = {
  // the web map's PARCEL_KEY: class detail, else class, else stage_<stage>
  parcels: { attr: `coalesce("class_detail", "class", 'stage_' || "stage")`, items: PARCEL_LEGEND, alpha: 0.7, labelField: 'code', labelMaxScale: 20000 },
  plan_zones: { attr: '"zone_type"', items: LAYER_GROUPS.find((g) => g.id === 'plan_zones')!.legend, alpha: 0.6 },
}

export const QML_LAYER_IDS = Object.keys(QML_LAYERS)

export function layerQml(id: string): string | null {
  const l = QML_LAYERS[id]
  if (!l) return null
  const symbol = (name: number, colour: string) => `      <symbol type="fill" name="${name}" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option type="QString" name="color" value="${rgba(colour, l.alpha)}"/>
            <Option type="QString" name="outline_color" value="255,255,255,255"/>
            <Option type="QString" name="outline_width" value="0.2"/>
            <Option type="QString" name="outline_width_unit" value="MM"/>
            <Option type="QString" name="style" value="solid"/>
          </Option>
        </layer>
      </symbol>`
  const labeling = l.labelField ? `
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="${xml(l.labelField)}" isExpression="0" fontFamily="Microsoft YaHei" fontSize="9" fontSizeUnit="Point" textColor="33,33,33,255"/>
      <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255"/>
      <rendering scaleVisibility="1" scaleMin="1" scaleMax="${l.labelMaxScale}"/>
    </settings>
  </labeling>` : ''
  return `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="Symbology|Labeling">
  <renderer-v2 type="categorizedSymbol" attr="${xml(l.attr)}" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
${l.items.map((item, i) => `      <category render="true" symbol="${i}" value="${xml(item.key)}" label="${xml(item.label)}"/>`).join('\n')}
      <category render="true" symbol="${l.items.length}" value="" label="其他"/>
    </categories>
    <symbols>
${[...l.items.map((item, i) => symbol(i, item.colour)), symbol(l.items.length, '#bdbdbd')].join('\n')}
    </symbols>
  </renderer-v2>${labeling}
  <layerGeometryType>2</layerGeometryType>
</qgis>
`
}
