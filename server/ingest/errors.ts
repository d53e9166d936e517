/**
 * Every way an upload can be refused, as named constants: a stable code, an HTTP status and a
 * message that names the problem and the file or member it was found in. Messages follow the
 * app's convention (server/errors.ts): Chinese first, English after, because the county staff
 * who upload read Chinese and the logs are searched in English.
 *
 * Status: 400 the upload is not what it claims to be (not a zip, broken JSON, unsafe names);
 * 413 it exceeds a size limit; 422 it is well-formed but cannot be used as it stands
 * (missing parts, unknown CRS, wrong geometry type).
 */

type Status = 400 | 413 | 422

/* An `index` parameter is the 0-based position of a feature (as the API's `index` fields); the
   messages number features from 1, as the upload page lists them. */

interface ErrorDef<P> {
  status: Status
  message: (p: P) => string
}

const def = <P = Record<string, never>>(status: Status, message: (p: P) => string): ErrorDef<P> => ({
  status,
  message,
})

export const INGEST_ERRORS = {
  upload_unknown_kind: def<{ file: string }>(400, (p) =>
    `无法识别上传文件 ${p.file}：可上传包含 Shapefile 的 .zip 压缩包、GeoJSON（.geojson，逐行的 .geojsons/.geojsonl）、GeoPackage（.gpkg）、` +
    `KML/KMZ、DXF、带 WKT 或坐标列的 CSV/XLSX，或界址点坐标 TXT / ` +
    `cannot tell what ${p.file} is: upload a .zip holding a shapefile, a GeoJSON (.geojson, or newline-delimited .geojsons/.geojsonl), ` +
    `a GeoPackage (.gpkg), KML/KMZ, DXF, CSV/XLSX with a WKT or coordinate columns, or a coordinate TXT`),
  upload_layer_choice: def<{ file: string; layersZh: string; layersEn: string }>(422, (p) =>
    `${p.file} 中有多个含面要素的图层：${p.layersZh}，请选择要导入的图层 / ` +
    `${p.file} has several layers with polygons: ${p.layersEn}; choose the one to import (field sourceLayer)`),
  upload_layer_unknown: def<{ file: string; layer: string; layersZh: string; layersEn: string }>(422, (p) =>
    `${p.file} 中没有图层“${p.layer}”，其中的图层为：${p.layersZh} / ${p.file} has no layer "${p.layer}"; its layers are: ${p.layersEn}`),
  upload_no_polygons: def<{ file: string; whatZh: string; whatEn: string }>(422, (p) =>
    `${p.file} 中没有可导入的面（闭合的多边形）${p.whatZh} / ${p.file} holds no polygon to import${p.whatEn}`),
  upload_too_large: def<{ file: string; max: number }>(413, (p) =>
    `${p.file} 超过 ${p.max} 字节上限（此格式整体读入内存），请改用 Shapefile 压缩包或 GeoPackage 上传 / ` +
    `${p.file} is larger than ${p.max} bytes (this format is read whole): upload a zipped shapefile or a GeoPackage instead`),
  gpkg_invalid: def<{ file: string; cause: string }>(422, (p) =>
    `${p.file} 不是可读取的 GeoPackage（${p.cause}），文件可能不完整或已损坏 / ${p.file} is not a readable GeoPackage (${p.cause}): the file may be truncated or damaged`),
  gpkg_geometry: def<{ file: string; table: string; row: number; cause: string }>(422, (p) =>
    `${p.file} 的表 ${p.table} 第 ${p.row} 行的几何已损坏（${p.cause}） / the geometry of row ${p.row} of table ${p.table} in ${p.file} is damaged (${p.cause})`),
  kml_invalid: def<{ file: string; cause: string }>(400, (p) =>
    `${p.file} 不是有效的 KML（${p.cause}） / ${p.file} is not valid KML (${p.cause})`),
  kmz_no_kml: def<{ file: string }>(422, (p) =>
    `KMZ 压缩包 ${p.file} 中没有 .kml 文件 / the KMZ ${p.file} holds no .kml file`),
  dxf_invalid: def<{ file: string; cause: string }>(400, (p) =>
    `${p.file} 不是可读取的 DXF 文件（${p.cause}）；DWG 请先另存为 DXF / ${p.file} is not a readable DXF file (${p.cause}); save a DWG as DXF first`),
  table_no_geometry: def<{ file: string; sheet: string; columns: string }>(422, (p) =>
    `${p.file}${p.sheet} 中没有几何列：需要 WKT 列（WKT、geometry、几何），或 X/Y 坐标列（X、Y，东坐标/北坐标）或经度/纬度列；现有列为：${p.columns} / ` +
    `${p.file}${p.sheet} has no geometry columns: a WKT column (WKT, geometry, 几何), X/Y columns or 经度/纬度 (longitude/latitude) columns are needed; its columns are: ${p.columns}`),
  table_bad_wkt: def<{ file: string; line: number; cause: string }>(422, (p) =>
    `${p.file} 第 ${p.line} 行（表头为第 1 行）的 WKT 无法解析：${p.cause} / line ${p.line} of ${p.file} (the header is line 1): the WKT cannot be read: ${p.cause}`),
  table_bad_coordinate: def<{ file: string; line: number; column: string; value: string }>(422, (p) =>
    `${p.file} 第 ${p.line} 行（表头为第 1 行）的 ${p.column} 列不是数值：“${p.value}” / line ${p.line} of ${p.file} (the header is line 1): column ${p.column} is not a number: "${p.value}"`),
  table_invalid: def<{ file: string; cause: string }>(400, (p) =>
    `${p.file} 无法作为表格读取（${p.cause}） / ${p.file} cannot be read as a table (${p.cause})`),
  geojsonseq_invalid: def<{ file: string; line: number; cause: string }>(422, (p) =>
    `${p.file} 第 ${p.line} 行不是有效的 GeoJSON 要素（${p.cause}） / line ${p.line} of ${p.file} is not a valid GeoJSON feature (${p.cause})`),

  zip_corrupt: def<{ file: string; cause: string }>(400, (p) =>
    `压缩包 ${p.file} 已损坏或不是 zip 文件（${p.cause}） / ${p.file} is not a readable zip file (${p.cause})`),
  zip_empty: def<{ file: string }>(422, (p) =>
    `压缩包 ${p.file} 是空的 / the zip file ${p.file} is empty`),
  zip_unsafe_path: def<{ member: string }>(400, (p) =>
    `压缩包中的文件名不安全（绝对路径或含 ..）：${p.member}，已拒绝 / ` +
    `refused: the zip member name ${p.member} is an absolute path or climbs out with ..`),
  zip_too_many_entries: def<{ count: number; max: number }>(413, (p) =>
    `压缩包内文件过多：${p.count} 个，上限 ${p.max} 个 / the zip holds ${p.count} entries, more than the limit of ${p.max}`),
  zip_too_large: def<{ member: string; max: number }>(413, (p) =>
    `解压后总大小超过上限 ${p.max} 字节（在解压 ${p.member} 时） / ` +
    `the unpacked size exceeds the limit of ${p.max} bytes (while unpacking ${p.member})`),
  zip_ratio: def<{ member: string; ratio: number; max: number }>(413, (p) =>
    `压缩包成员 ${p.member} 的压缩比异常（超过 ${p.max}:1，疑似压缩炸弹） / ` +
    `the zip member ${p.member} expands more than ${p.max}:1 (seen ${Math.round(p.ratio)}:1), a likely zip bomb`),
  zip_encrypted: def<{ member: string }>(422, (p) =>
    `压缩包成员 ${p.member} 已加密，请上传未加密的压缩包 / the zip member ${p.member} is encrypted: upload it without a password`),
  zip_unsupported_compression: def<{ member: string; method: number }>(422, (p) =>
    `压缩包成员 ${p.member} 使用了不支持的压缩方式（${p.method}），请用普通 zip（Deflate）重新压缩 / ` +
    `the zip member ${p.member} uses compression method ${p.method}: re-pack it as an ordinary (deflate) zip`),
  zip_size_mismatch: def<{ member: string }>(413, (p) =>
    `压缩包成员 ${p.member} 解压后的大小超过其声明的大小（疑似压缩炸弹），已拒绝 / ` +
    `refused: the zip member ${p.member} inflates to more bytes than its header declares (a likely zip bomb)`),
  zip_member_unreadable: def<{ member: string; cause: string }>(400, (p) =>
    `压缩包成员 ${p.member} 无法解压（${p.cause}） / the zip member ${p.member} cannot be unpacked (${p.cause})`),
  zip_crc_mismatch: def<{ member: string; expected: string; actual: string }>(400, (p) =>
    `压缩包成员 ${p.member} 已损坏：CRC-32 校验值为 ${p.actual}，压缩包记录的是 ${p.expected}，请重新打包后上传 / ` +
    `the zip member ${p.member} is damaged: its CRC-32 is ${p.actual} where the zip records ${p.expected}; pack it again and upload`),
  zip_no_shapefile: def<{ file: string }>(422, (p) =>
    `压缩包 ${p.file} 中没有 .shp 文件 / the zip ${p.file} holds no .shp file`),
  zip_duplicate_member: def<{ member: string; other: string }>(422, (p) =>
    `压缩包中 ${p.member} 与 ${p.other} 重名（仅大小写不同），无法判断使用哪一个 / ` +
    `the zip members ${p.member} and ${p.other} differ only in case: cannot tell which one to use`),

  shapefile_missing_part: def<{ member: string; part: string }>(422, (p) =>
    `Shapefile ${p.member} 缺少 ${p.part} 文件（.shp、.shx、.dbf 必须同名放在一起） / ` +
    `the shapefile ${p.member} has no ${p.part} beside it (.shp, .shx and .dbf must share one name)`),
  shp_corrupt: def<{ member: string; reason: string }>(422, (p) =>
    `${p.member} 文件已损坏：${p.reason} / ${p.member} is damaged: ${p.reason}`),
  shp_truncated: def<{ member: string; expected: number; actual: number }>(422, (p) =>
    `${p.member} 文件不完整（应为 ${p.expected} 字节，实际 ${p.actual} 字节），可能上传或拷贝中断 / ` +
    `${p.member} is truncated: ${p.actual} bytes where ${p.expected} are expected (an interrupted copy?)`),
  shp_not_polygon: def<{ member: string; shapeType: string; layer: string }>(422, (p) =>
    `${p.member} 的几何类型为 ${p.shapeType}，图层 ${p.layer} 需要面（Polygon） / ` +
    `${p.member} holds ${p.shapeType} shapes; the ${p.layer} layer needs polygons`),
  shp_bad_bbox: def<{ member: string }>(422, (p) =>
    `${p.member} 的范围（bbox）含非数值或超大坐标 / the extent (bbox) in ${p.member} has non-numeric or absurdly large coordinates`),
  dbf_corrupt: def<{ member: string; reason: string }>(422, (p) =>
    `属性表 ${p.member} 已损坏：${p.reason} / the attribute table ${p.member} is damaged: ${p.reason}`),
  dbf_record_count: def<{ member: string; claimed: number; actual: number }>(422, (p) =>
    `属性表 ${p.member} 头部记录数为 ${p.claimed}，但文件实际容纳 ${p.actual} 条记录 / ` +
    `the attribute table ${p.member} says it has ${p.claimed} records but its size holds ${p.actual}`),
  shapefile_count_mismatch: def<{ member: string; shapes: number; records: number }>(422, (p) =>
    `${p.member}：图形 ${p.shapes} 个，属性记录 ${p.records} 条，两者必须一致 / ` +
    `${p.member}: ${p.shapes} shapes but ${p.records} attribute records; they must match one to one`),

  encoding_unsupported: def<{ encoding: string }>(400, (p) =>
    `不支持的字符编码：${p.encoding}（可用 GBK、UTF-8、GB18030 等） / unknown text encoding ${p.encoding} (try GBK, UTF-8, GB18030)`),

  crs_unparseable: def<{ file: string }>(422, (p) =>
    `无法解析坐标系文件 ${p.file}，请检查或在上传时指定坐标系 / ` +
    `cannot read the coordinate system in ${p.file}: fix it or state the CRS when uploading`),
  crs_legacy_datum: def<{ file: string; datum: string }>(422, (p) =>
    `${p.file} 使用 ${p.datum} 坐标系。${p.datum} 与 CGCS2000 之间没有公开的转换参数，不能直接当作 CGCS2000 使用：` +
    `请先用本地转换参数转换为 CGCS2000 后再上传，或在上传时明确指定坐标系 / ` +
    `${p.file} is in ${p.datum}. No public datum shift from ${p.datum} to CGCS2000 exists, so it is not treated as CGCS2000: ` +
    `transform it with your local parameters first, or state the CRS explicitly when uploading`),
  crs_unsupported: def<{ file: string; what: string }>(422, (p) =>
    `${p.file} 的坐标系不受支持：${p.what}。支持 CGCS2000（经纬度及 3 度/6 度高斯-克吕格）、WGS84 和 Web 墨卡托 / ` +
    `the coordinate system in ${p.file} is not supported: ${p.what}. Supported: CGCS2000 (geographic, ` +
    `3- and 6-degree Gauss-Kruger), WGS 84 and Web Mercator`),
  crs_unknown: def<{ file: string; why: string }>(422, (p) =>
    `无法确定 ${p.file} 的坐标系（${p.why}），请在上传时指定坐标系（EPSG 代码） / ` +
    `cannot tell the coordinate system of ${p.file} (${p.why}): state it (an EPSG code) when uploading`),
  crs_override_unsupported: def<{ stated: string }>(400, (p) =>
    `指定的坐标系“${p.stated}”不受支持（可用 CGCS2000 经纬度 EPSG:4490、3 度带 EPSG:4513–4554、6 度带 EPSG:4491–4512、WGS84 EPSG:4326、Web 墨卡托 EPSG:3857） / ` +
    `the stated coordinate system "${p.stated}" is not supported (CGCS2000 EPSG:4490, 3-degree GK EPSG:4513–4554, ` +
    `6-degree GK EPSG:4491–4512, WGS 84 EPSG:4326, Web Mercator EPSG:3857)`),
  crs_coordinates_mismatch: def<{ file: string; epsg: number; why: string }>(422, (p) =>
    `${p.file} 声明的坐标系 EPSG:${p.epsg} 与数据坐标不符（${p.why}），请核对坐标系文件或在上传时指定坐标系 / ` +
    `the coordinates do not fit EPSG:${p.epsg}, which ${p.file} declares (${p.why}): check that file, or state the CRS when uploading`),
  crs_stated_mismatch: def<{ file: string; stated: number; why: string }>(422, (p) =>
    `您指定的坐标系 EPSG:${p.stated} 与 ${p.file} 的坐标不符（${p.why}） / ` +
    `you stated EPSG:${p.stated}, but the coordinates of ${p.file} do not fit it (${p.why})`),
  crs_stated_conflict: def<{ file: string; stated: number; declared: string }>(422, (p) =>
    `您指定了 EPSG:${p.stated}，而 ${p.file} 写的是 ${p.declared}。如确实要按 EPSG:${p.stated} 读取，请确认坐标系（勾选“确认按指定坐标系读取”，API 字段 confirmCrs=true，命令行 --confirm-crs）；否则不指定坐标系即按 ${p.file} 读取 / ` +
    `you stated EPSG:${p.stated}; ${p.file} says ${p.declared}. To read it as EPSG:${p.stated} anyway, confirm it ` +
    `(confirmCrs=true, CLI --confirm-crs); leave the CRS unstated to read it as ${p.file} says`),
  crs_zone_ambiguous: def<{ file: string; candidatesZh: string; candidatesEn: string }>(422, (p) =>
    `${p.file} 的横坐标为 6 位（不带带号），有多个投影带都能把数据放进市域范围，无法判断：${p.candidatesZh}。请在上传时指定坐标系 / ` +
    `the eastings of ${p.file} have 6 digits (no zone number) and more than one zone puts the data inside the city: ` +
    `${p.candidatesEn}. State the CRS when uploading`),
  crs_zone_none: def<{ file: string; candidatesZh: string; candidatesEn: string }>(422, (p) =>
    `${p.file} 的横坐标为 6 位（不带带号），没有任何投影带能把数据放进市域范围：${p.candidatesZh}。请核对数据或在上传时指定坐标系 / ` +
    `the eastings of ${p.file} have 6 digits (no zone number) and no zone puts the data inside the city: ` +
    `${p.candidatesEn}. Check the data, or state the CRS when uploading`),
  crs_outside_city: def<{ file: string; readZh: string; readEn: string; box: string; km: string; alternativesZh: string; alternativesEn: string }>(422, (p) =>
    `${p.file} ${p.readZh}，数据将落在 ${p.box}（距市域 ${p.km} km），完全在市域范围以外，未导入${p.alternativesZh ? `；${p.alternativesZh}` : ''} ` +
    `/ ${p.file} ${p.readEn} puts the data at ${p.box}, ${p.km} km from the city and wholly outside it: refused${p.alternativesEn ? `; ${p.alternativesEn}` : ''}`),

  txt_too_large: def<{ file: string; max: number }>(413, (p) =>
    `坐标文件 ${p.file} 超过 ${p.max} 字节上限 / the coordinate file ${p.file} is larger than ${p.max} bytes`),
  txt_invalid: def<{ file: string; line: number; zh: string; en: string }>(422, (p) =>
    `坐标文件 ${p.file} 第 ${p.line} 行：${p.zh}（界址点坐标交换格式） / the coordinate file ${p.file}, line ${p.line}: ${p.en}`),
  crs_txt_zone_mismatch: def<{ file: string; stated: number; prefix: number }>(422, (p) =>
    `${p.file} 的 [属性描述] 写明带号 ${p.stated}，但横坐标（Y）前两位为 ${p.prefix}，请核对 / ` +
    `${p.file} says 带号=${p.stated} but its eastings (Y) start with zone ${p.prefix}: check the file`),
  txt_outside_city: def<{ file: string; tried: string }>(422, (p) =>
    `${p.file} 的地块不在市域范围（区县界）内，按两种列序都不在：${p.tried}。请核对坐标系、带号和 X/Y 列序 / ` +
    `the parcels of ${p.file} lie outside the city (its county outlines) whichever way its columns are read: ${p.tried}. Check its CRS, zone and X/Y order`),

  geojson_too_large: def<{ file: string; max: number }>(413, (p) =>
    `GeoJSON 文件 ${p.file} 超过 ${p.max} 字节上限，请改用 Shapefile 压缩包上传 / ` +
    `the GeoJSON ${p.file} is larger than ${p.max} bytes: upload it as a zipped shapefile instead`),
  geojson_invalid_json: def<{ file: string; cause: string }>(400, (p) =>
    `${p.file} 不是有效的 JSON（${p.cause}） / ${p.file} is not valid JSON (${p.cause})`),
  geojson_wrong_type: def<{ file: string; type: string }>(422, (p) =>
    `${p.file} 的类型为 ${p.type}，需要 FeatureCollection 或 Feature / ` +
    `${p.file} is a ${p.type}; a FeatureCollection or Feature is needed`),
  geojson_invalid: def<{ file: string; index: number; problems: string }>(422, (p) =>
    `${p.file} 第 ${p.index + 1} 个要素不是有效的 GeoJSON：${p.problems} / feature ${p.index + 1} in ${p.file} is not valid GeoJSON: ${p.problems}`),
  geojson_geometry_type: def<{ file: string; index: number; type: string; layer: string }>(422, (p) =>
    `${p.file} 第 ${p.index + 1} 个要素的几何类型为 ${p.type}，图层 ${p.layer} 需要面（Polygon/MultiPolygon） / ` +
    `feature ${p.index + 1} in ${p.file} is a ${p.type}; the ${p.layer} layer needs Polygon or MultiPolygon`),
  geojson_nonfinite: def<{ file: string; where: string }>(422, (p) =>
    `${p.file} 含有非数值坐标（NaN/Infinity）${p.where} / ${p.file} has non-numeric coordinates (NaN/Infinity) ${p.where}`),
  geojson_coordinate_range: def<{ file: string; index: number; what: string }>(422, (p) =>
    `${p.file} 第 ${p.index + 1} 个要素的坐标超出合理范围（${p.what}） / feature ${p.index + 1} in ${p.file} has coordinates out of range (${p.what})`),

  layer_unknown: def<{ layer: string }>(400, (p) =>
    `未知图层：${p.layer} / unknown layer ${p.layer}`),
  mapping_unknown_target: def<{ layer: string; field: string }>(400, (p) =>
    `图层 ${p.layer} 没有字段 ${p.field} / the ${p.layer} layer has no field ${p.field}`),
  mapping_unknown_source: def<{ field: string; target: string }>(400, (p) =>
    `上传数据中没有字段 ${p.field}（映射到 ${p.target}） / the upload has no field ${p.field} (mapped to ${p.target})`),
  mapping_wrong_encoding: def<{ layer: string; fields: string; source: string; used: string; why: string; encoding: string; names: string }>(422, (p) =>
    `图层 ${p.layer} 的必填字段 ${p.fields} 找不到对应列，很可能是字符编码不对：${p.source} 按 ${p.used} 读取（${p.why}），字段名成了乱码；按 ${p.encoding} 读取则为 ${p.names}。请在上传时指定编码 ${p.encoding} / ` +
    `the required fields ${p.fields} of the ${p.layer} layer find no column, most likely a wrong text encoding: ${p.source} was read as ${p.used} ` +
    `(${p.why}) and its field names came out garbled; read as ${p.encoding} they are ${p.names}. State the encoding ${p.encoding} when uploading`),
  mapping_missing_required: def<{ layer: string; fields: string; found?: string }>(422, (p) =>
    `图层 ${p.layer} 的必填字段未对应：${p.fields}${p.found ? `。文件中的字段为 ${p.found}，如字段名是乱码，请在上传时指定编码` : ''} / ` +
    `required fields of the ${p.layer} layer are not mapped: ${p.fields}${p.found ? `. The file's columns are ${p.found}: if they look garbled, state the encoding` : ''}`),
} as const

export type IngestErrorCode = keyof typeof INGEST_ERRORS
type ParamsOf<C extends IngestErrorCode> = Parameters<(typeof INGEST_ERRORS)[C]['message']>[0]

export class IngestError extends Error {
  override readonly name = 'IngestError'

  constructor(
    readonly code: IngestErrorCode,
    readonly status: Status,
    message: string,
    readonly detail?: unknown,
    /** The detail is meant for the user (candidates to choose from) and goes into the answer. */
    readonly exposed = false,
  ) {
    super(message)
  }

  /** Fastify's default error handler reads statusCode; mirror status so either works. */
  get statusCode(): number {
    return this.status
  }
}

/** Build the error for `code` with the message's parameters, so messages stay in one table. */
export function ingestError<C extends IngestErrorCode>(code: C, params: ParamsOf<C>, detail?: unknown): IngestError {
  const entry = INGEST_ERRORS[code] as ErrorDef<ParamsOf<C>>
  return new IngestError(code, entry.status, entry.message(params), detail ?? params, detail !== undefined)
}

export const isIngestError = (e: unknown): e is IngestError => e instanceof IngestError
