import { describe, expect, it } from 'vitest'
import { LAYERS, LAYER_FIELDS, applyMapping, proposeMapping, toDate, validateMapping } from './field-mapping'
import { expectIngestError } from '../test/ingest-helpers'

describe('the field table', () => {
  it('has every layer, each with at least one required field and no synonym claimed twice', () => {
    for (const layer of LAYERS) {
      const fields = LAYER_FIELDS[layer]
      expect(fields.some((f) => f.required), layer).toBe(true)
      const seen = new Map<string, string>()
      for (const f of fields) {
        for (const s of f.synonyms) {
          const key = s.normalize('NFKC').toLowerCase()
          expect(seen.get(key), `${layer}: ${s} in ${f.name} and ${seen.get(key)}`).toBeUndefined()
          seen.set(key, f.name)
        }
      }
    }
  })
})

describe('proposeMapping', () => {
  it('maps Chinese names and leaves the rest for the user', () => {
    const p = proposeMapping('parcels', ['OBJECTID', '宗地编号', '权利人', '用地面积', '土地用途', '行政区代码'])
    expect(p.mapping).toEqual({
      code: '宗地编号', owner_name: '权利人', stated_area_m2: '用地面积', land_use: '土地用途', county_code: '行政区代码',
    })
    expect(p.unmappedSources).toEqual(['OBJECTID'])
    expect(p.missingRequired).toEqual([])
  })

  it('is case-, space- and width-insensitive', () => {
    const p = proposeMapping('parcels', [' zdbh ', 'Qlr', 'ZDMJ', 'dlmc'])
    expect(p.mapping).toEqual({ code: ' zdbh ', owner_name: 'Qlr', stated_area_m2: 'ZDMJ', land_use: 'dlmc' })
  })

  it('keeps areas in 亩 and 公顷 apart from square metres', () => {
    expect(proposeMapping('parcels', ['面积（亩）']).mapping).toEqual({ stated_area_mu: '面积（亩）' })
    expect(proposeMapping('parcels', ['面积(亩)', 'MJ']).mapping).toEqual({ stated_area_mu: '面积(亩)', stated_area_m2: 'MJ' })
    expect(proposeMapping('parcels', ['MJ_MU']).mapping).toEqual({ stated_area_mu: 'MJ_MU' })
    expect(proposeMapping('parcels', ['面积(公顷)']).mapping).toEqual({ stated_area_ha: '面积(公顷)' })
  })

  it('takes the better synonym when two columns could fill one field', () => {
    const p = proposeMapping('parcels', ['ZDMJ', '面积'])
    expect(p.mapping.stated_area_m2).toBe('面积')
    expect(p.unmappedSources).toEqual(['ZDMJ'])
  })

  it('recognises names the DBF cut at 10 bytes (GBK and UTF-8)', () => {
    const gbkCut = proposeMapping('contracts', ['合同编号', '约定动工日', '约定竣工日', '统一社会信'])
    expect(gbkCut.mapping).toMatchObject({
      contract_no: '合同编号', agreed_start_on: '约定动工日', agreed_completion_on: '约定竣工日', land_user_code: '统一社会信',
    })
    expect(gbkCut.truncatedMatches.map((m) => m.target).sort()).toEqual(['agreed_completion_on', 'agreed_start_on', 'land_user_code'])
    const utf8Cut = proposeMapping('parcels', ['宗地编', '权利人', '用地面'])
    expect(utf8Cut.mapping).toEqual({ code: '宗地编', owner_name: '权利人', stated_area_m2: '用地面' })
  })

  it('does not guess from an ambiguous cut name', () => {
    // 用地面积( could be 用地面积(亩), (公顷) or (平方米)
    expect(proposeMapping('parcels', ['用地面积(']).mapping).toEqual({})
  })

  it('reports required fields nobody matched', () => {
    expect(proposeMapping('parcels', ['权利人']).missingRequired).toEqual(['code'])
    expect(proposeMapping('changes', ['QSX', 'HSX']).missingRequired).toEqual(['change_type'])
  })

  it.each([
    ['batches', ['PZWH', 'PZRQ', 'PCMC'], { approval_no: 'PZWH', approved_on: 'PZRQ', name: 'PCMC' }],
    ['contracts', ['HTBH', 'GDFS', 'QDRQ', 'YDDGRQ', 'YDJGRQ', 'JG', 'TYSHXYDM', 'SRR'], {
      contract_no: 'HTBH', supply_method: 'GDFS', signed_on: 'QDRQ', agreed_start_on: 'YDDGRQ',
      agreed_completion_on: 'YDJGRQ', price_wan: 'JG', land_user_code: 'TYSHXYDM', land_user_name: 'SRR',
    }],
    ['plan_zones', ['GHYT'], { zone_type: 'GHYT' }],
    ['changes', ['BHLX', 'QSX', 'HSX', 'JCPC'], { change_type: 'BHLX', image_before: 'QSX', image_after: 'HSX', period: 'JCPC' }],
    ['clusters', ['集聚区名称', 'XZQDM'], { name: '集聚区名称', county_code: 'XZQDM' }],
  ] as const)('%s pinyin initials', (layer, sources, expected) => {
    expect(proposeMapping(layer, sources).mapping).toEqual(expected)
  })
})

describe('validateMapping', () => {
  const sources = ['宗地编号', '权利人', 'MJ']

  it('returns the mapping with sources spelled as in the upload', () => {
    expect(validateMapping('parcels', { code: '宗地编号', owner_name: ' 权利人 ', stated_area_m2: 'mj', land_use: null }, sources))
      .toEqual({ code: '宗地编号', owner_name: '权利人', stated_area_m2: 'MJ' })
  })

  it('names an unknown target field', async () => {
    const e = await expectIngestError(() => validateMapping('parcels', { code: '宗地编号', parcel_owner: '权利人' }, sources),
      'mapping_unknown_target', 'parcel_owner', 'parcels')
    expect(e.status).toBe(400)
  })

  it('names an unknown source field', async () => {
    await expectIngestError(() => validateMapping('parcels', { code: '宗地代码' }, sources), 'mapping_unknown_source', '宗地代码', 'code')
  })

  it('names missing required fields', async () => {
    await expectIngestError(() => validateMapping('parcels', { owner_name: '权利人' }, sources), 'mapping_missing_required', 'code')
  })

  it('refuses an unknown layer', async () => {
    await expectIngestError(() => validateMapping('roads', {}, sources), 'layer_unknown', 'roads')
  })
})

describe('applyMapping', () => {
  it('types parcel values and trims text', () => {
    const r = applyMapping('parcels', { code: 'ZDBH', owner_name: 'QLR', stated_area_m2: 'MJ' },
      { ZDBH: ' 410300-001 ', QLR: '洛阳某公司', MJ: '12,345.67' })
    expect(r.errors).toEqual([])
    expect(r.values).toEqual({
      code: '410300-001', owner_name: '洛阳某公司', stated_area_m2: 12345.67,
      stated_area_mu: null, stated_area_ha: null, land_use: null, county_code: null,
    })
  })

  it.each([
    ['2021-03-05'], ['2021/3/5'], ['2021.3.5'], ['20210305'], ['2021年3月5日'], ['２０２１年３月５日'],
    ['2021-03-05 00:00:00'], ['2021-03-05T00:00:00Z'], [20210305], [new Date(Date.UTC(2021, 2, 5))],
  ])('reads the date %j as 2021-03-05', (raw) => {
    const r = applyMapping('contracts', { contract_no: 'H', signed_on: 'D' }, { H: 'x', D: raw })
    expect(r.errors).toEqual([])
    expect(r.values.signed_on).toBe('2021-03-05')
  })

  it.each([['2021-02-30'], ['2021-13-01'], ['3/5/2021'], ['next week'], ['2201-03-05'], ['2021-03']])(
    'refuses the date %j, naming the field', (raw) => {
      const r = applyMapping('contracts', { contract_no: 'H', signed_on: 'D' }, { H: 'x', D: raw })
      expect(r.values.signed_on).toBeNull()
      expect(r.errors).toHaveLength(1)
      expect(r.errors[0]).toMatchObject({ target: 'signed_on', source: 'D', value: raw })
      expect(r.errors[0].message).toContain('signed_on')
    })

  it('accepts a month for image dates only', () => {
    const field = { name: 'image_after', label: '后时相', monthPrecision: true }
    expect(toDate(field, '2021-03')).toBe('2021-03-01')
    expect(toDate(field, '202103')).toBe('2021-03-01')
    expect(toDate(field, '2021年3月')).toBe('2021-03-01')
  })

  it.each([['1,234.5', 1234.5], ['１２３', 123], [' 0 ', 0], [42, 42], ['1e3', 1000]])('reads the number %j', (raw, n) => {
    expect(applyMapping('parcels', { code: 'C', stated_area_m2: 'A' }, { C: 'x', A: raw }).values.stated_area_m2).toBe(n)
  })

  it.each([['abc'], ['12亩'], ['-5'], [Number.NaN], [Infinity]])('refuses the number %j', (raw) => {
    const r = applyMapping('parcels', { code: 'C', stated_area_m2: 'A' }, { C: 'x', A: raw })
    expect(r.values.stated_area_m2).toBeNull()
    expect(r.errors.map((e) => e.target)).toEqual(['stated_area_m2'])
  })

  it.each([
    ['出让', 'grant'], ['挂牌出让', 'grant'], ['协议出让', 'grant'], ['GRANT', 'grant'], ['划拨', 'allocation'],
  ])('supply method %s → %s', (raw, value) => {
    expect(applyMapping('contracts', { contract_no: 'H', supply_method: 'G' }, { H: 'x', G: raw }).values.supply_method).toBe(value)
  })

  it('refuses a supply method it does not know, listing the allowed ones', () => {
    const r = applyMapping('contracts', { contract_no: 'H', supply_method: 'G' }, { H: 'x', G: '租赁' })
    expect(r.errors[0].message).toContain('租赁')
    expect(r.errors[0].message).toContain('grant')
  })

  it.each([
    ['工业用地', 'industrial'], ['一类工业用地', 'industrial'], ['M1', 'industrial'], ['物流仓储用地', 'logistics'],
    ['居住用地', 'residential'], ['二类居住用地', 'residential'], ['绿地', 'green'], ['公园绿地', 'green'],
    ['道路', 'road'], ['城市道路用地', 'road'], ['公共服务', 'public'], ['公共管理与公共服务用地', 'public'], ['其他', 'other'],
  ])('plan zone %s → %s', (raw, value) => {
    expect(applyMapping('plan_zones', { zone_type: 'T' }, { T: raw }).values.zone_type).toBe(value)
  })

  it.each([['新增建设', 'new_construction'], ['拆除', 'demolition'], ['推填土', 'earth_moving'], ['堆掘', 'earth_moving']])(
    'change type %s → %s', (raw, value) => {
      expect(applyMapping('changes', { change_type: 'T' }, { T: raw }).values.change_type).toBe(value)
    })

  it('reports an empty required field', () => {
    const r = applyMapping('parcels', { code: 'C' }, { C: '   ' })
    expect(r.errors).toEqual([expect.objectContaining({ target: 'code', source: 'C' })])
    expect(r.errors[0].message).toContain('code')
  })
})
