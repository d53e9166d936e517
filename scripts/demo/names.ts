/** Names for demo enterprises and people. All fictitious; phone numbers use the 1xx-0000-xxxx
 * pattern that Chinese documentation uses for placeholders. */
import type { Rng } from './random'

const BRAND_CHARS = [
  '华', '宏', '昌', '鑫', '源', '泰', '盛', '恒', '瑞', '达', '丰', '隆', '祥', '兴', '嘉', '晟', '博', '锦',
  '润', '通', '远', '洲', '海', '天', '金', '中', '豫', '洛', '伊', '邙', '龙', '凤', '牡', '丹', '河', '洪',
  '新', '科', '力', '正', '信', '诚', '德', '宇', '航', '创', '智', '汇', '聚', '凯', '腾', '骏', '蓝', '星',
  '辰', '明', '光', '永', '安', '康', '平', '和', '顺', '益', '佳', '裕', '旭', '晨', '峰', '岳', '川',
]

const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭',
  '马', '罗', '梁', '宋', '郑', '谢', '韩', '唐', '冯', '于', '董', '程', '曹', '袁', '邓', '许', '沈', '曾',
  '彭', '吕', '苏', '卢', '蒋', '蔡', '贾', '丁', '魏', '薛', '叶', '阎', '余', '潘', '杜', '戴', '夏', '钟',
]
const GIVEN_CHARS = [
  '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀', '霞',
  '平', '刚', '桂', '英', '华', '建', '国', '红', '志', '文', '斌', '辉', '鹏', '宇', '浩', '凯', '亮', '玲',
  '晓', '海', '峰', '林', '波', '东', '新', '春', '立', '卫', '振', '利', '民', '永', '云', '飞', '俊', '蕾',
]

/** Company-name endings by industry (行业); every leading industry of the fixture has one. */
const SUFFIXES: Record<string, string[]> = {
  装备制造: ['机械制造有限公司', '重型装备有限公司', '智能装备有限公司', '机电设备有限公司'],
  高端装备制造: ['高端装备制造有限公司', '精密机械有限公司'],
  电子信息: ['电子科技有限公司', '信息技术有限公司', '光电科技有限公司'],
  新能源: ['新能源科技有限公司', '光伏科技有限公司'],
  新材料: ['新材料科技有限公司', '新材料有限公司', '特种材料有限公司'],
  石油化工: ['石化有限公司', '化工有限公司'],
  化工新材料: ['化工新材料有限公司', '精细化工有限公司'],
  医疗装备: ['医疗器械有限公司', '医疗设备有限公司'],
  节能环保: ['环保科技有限公司', '节能设备有限公司'],
  有色金属精深加工: ['有色金属加工有限公司', '钼业有限公司', '铝材有限公司'],
  食品制造: ['食品有限公司', '食品科技有限公司'],
  生物医药: ['生物医药有限公司', '制药有限公司'],
  轻工制造: ['轻工制品有限公司', '日用品有限公司'],
  旅游商品及相关轻工产品制造: ['旅游用品有限公司', '工艺品有限公司'],
  现代服务业: ['供应链管理有限公司', '科技服务有限公司'],
  现代物流: ['物流有限公司', '仓储物流有限公司'],
  矿产品精深加工: ['矿业有限公司', '矿产品加工有限公司'],
  绿色建材: ['绿色建材有限公司', '新型建材有限公司'],
  智能家居: ['智能家居有限公司', '家居科技有限公司'],
  纺织服装: ['服饰有限公司', '纺织有限公司'],
  家具制造: ['家具有限公司'],
  印刷包装: ['包装印务有限公司'],
  造纸: ['纸业有限公司'],
  铸造: ['铸造有限公司'],
}

/** Industries that are not leading in any cluster of the fixture, for off-plan enterprises. */
export const OFF_PLAN_INDUSTRIES = ['纺织服装', '家具制造', '印刷包装', '造纸', '铸造'] as const

export function enterpriseName(rng: Rng, place: string, industry: string): string {
  const a = rng.pick(BRAND_CHARS)
  let b = rng.pick(BRAND_CHARS)
  if (b === a) b = rng.pick(BRAND_CHARS)
  const suffixes = SUFFIXES[industry] ?? ['实业有限公司']
  return `${place}${a}${b}${rng.pick(suffixes)}`
}

export function personName(rng: Rng): string {
  const given = rng.chance(0.7) ? rng.pick(GIVEN_CHARS) + rng.pick(GIVEN_CHARS) : rng.pick(GIVEN_CHARS)
  return rng.pick(SURNAMES) + given
}

export function placeholderPhone(rng: Rng): string {
  return `1${rng.pick(['3', '5', '8'])}${rng.int(0, 9)}0000${String(rng.int(0, 9999)).padStart(4, '0')}`
}
