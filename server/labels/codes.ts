/** The one source of the Chinese label of every code a user can meet: in the web map, the tiles'
 * TileJSON (value labels), the MapLibre style.json and QGIS styles, the card and list XLSX, the
 * governance reports and their exports. Codes stay English in the database, the API and the code
 * (STYLE.md "Names and comments"); people read these labels.
 *
 * Pure data and pure functions, no Node module: the web map (built by Vite from web-map/) imports
 * this file as the server does. A code missing here shows as itself, and the browser test that
 * walks every screen as every role fails on it (web-map/test/no-codes.test.ts). */

/** Life-cycle stages (DOMAIN.md "The land's life cycle"). */
export const STAGE = {
  approved: '已批未供', supplied: '已供未建', under_construction: '在建', completed: '已竣工', producing: '已投产', recovered: '已收回',
} as const

/** What the analysis engine finds (DOMAIN.md "Classifications the system computes"). */
export const CLASSIFICATION = {
  unsupplied: '批而未供', idle: '闲置', inefficient: '低效', used_before_supply: '未供即用', conformity: '规划不符', normal: '正常',
} as const

/** Annex 3 art. 2: the six types of inefficient land. */
export const INEFFICIENT_TYPE = {
  1: '产业转型', 2: '停建缓建', 3: '开发未达标', 4: '停产半停产', 5: '产出未达标', 6: '其他',
} as const

/** 闲置土地处置办法 (2012) art. 14: from one year a fee, from two years recovery (DOMAIN.md "Readings"). */
export const IDLE_STAGE = { 1: '满一年不满两年', 2: '满两年' } as const

/** The rules of the engine, as a finding names the one that fired (analysis.findings.rule). */
export const FINDING_RULE = {
  'idle.not_started': '约定动工日期后满一年未动工',
  'idle.halted': '已动工但开发不足且停工满一年',
  'inefficient.type1_transition': '产业转型类（官方认定）',
  'inefficient.type2_stalled': '停建缓建',
  'inefficient.type3_under_developed': '开发未达标（合同指标未达到）',
  'inefficient.type4_stopped': '停产半停产（连续亏损）',
  'inefficient.type5_low_output': '产出未达标（连续两年评价为 C 类）',
  'inefficient.type6_other': '其他（官方认定）',
  'used_before_supply.development_event': '无供地合同而有动工记录',
  'used_before_supply.rs_change': '无供地合同的宗地上出现新增建设',
  'used_before_supply.rs_change_area': '未供地土地上出现新增建设',
  'conformity.outside_cluster': '位于产业集聚区边界外',
  'conformity.non_industrial_zone': '位于非工业规划分区',
  'conformity.industry_not_leading': '企业行业不属于集聚区主导产业',
  'conformity.large_single_supply': '百亩以上项目未分期供地',
} as const

/** Parcel colour keys of the map (tile attribute class_key: class_detail, else class, else stage_<stage>). */
export const PARCEL_KEY = {
  used_before_supply: '未供即用',
  idle_1: '闲置（满一年不满两年）',
  idle_2: '闲置（满两年）',
  idle: '闲置',
  inefficient_1: '低效·产业转型',
  inefficient_2: '低效·停建缓建',
  inefficient_3: '低效·开发未达标',
  inefficient_4: '低效·停产半停产',
  inefficient_5: '低效·产出未达标',
  inefficient_6: '低效·其他',
  inefficient: '低效',
  stage_approved: '已批未供（宗地）',
  stage_supplied: '正常·已供未建',
  stage_under_construction: '正常·在建',
  stage_completed: '正常·已竣工',
  stage_producing: '正常·已投产',
  stage_recovered: '已收回',
} as const

/** The land roles, and the two duty roles beside the system administrator (GB/T 22239-2019 8.1.4.2). */
export const ROLE = {
  admin: '系统管理员', analyst: '分析员', surveyor: '测绘员', inspector: '巡查员', security: '安全管理员', audit: '审计管理员',
} as const

/** What the audit trail records (security_event.kind; server/plugins/audit.ts and config.audit of the routes). */
export const AUDIT_KIND = {
  login: '登录', login_failed: '登录失败', login_refused: '登录被延缓', login_locked_account: '账户锁定', login_locked_address: '地址锁定',
  logout: '退出登录', password_changed: '修改密码', password_reset: '重置密码',
  totp_verified: '动态口令验证', totp_enrol_started: '开始绑定动态口令', totp_enrolled: '绑定动态口令',
  user_created: '新建用户', user_changed: '修改用户', setting_changed: '修改设置', published: '发布',
  export: '导出', figures_read: '查阅企业数据', figures_import: '导入企业数据',
  audit_read: '查阅审计记录', audit_export: '导出审计记录', audit_check: '审计完整性校验',
  token_created: '新建个人访问令牌', token_revoked: '撤销个人访问令牌', migration: '数据库升级',
  rule_version_added: '新增规则版本', flag_set: '认定低效', flag_cleared: '解除低效认定',
  lease_recorded: '登记租赁', lease_ended: '结束租赁', enterprise_created: '登记企业', enterprises_merged: '合并企业记录',
  job_started: '启动后台任务',
} as const

/** The outcome of an audited action (security_event.result). */
export const AUDIT_RESULT = { ok: '成功', refused: '拒绝', failed: '失败' } as const

export const ZONE_TYPE = {
  industrial: '工业', logistics: '物流仓储', residential: '居住配套', public: '公共服务', green: '绿地', road: '道路', other: '其他',
} as const

export const CHANGE_TYPE = { new_construction: '新增建设', demolition: '拆除', earth_moving: '推填土' } as const

export const SUPPLY_METHOD = { grant: '出让', allocation: '划拨' } as const

export const DEVELOPMENT_KIND = {
  start: '动工', progress: '进度', halt: '停工', resume: '复工', completion: '竣工', completion_acceptance: '竣工验收',
  production_acceptance: '达产验收', inspection: '巡查',
} as const

export const SEVERITY = { high: '高', medium: '中', low: '低' } as const

export const ALERT_TYPE = {
  construction_on_unsupplied: '未供即用／违法用地',
  construction_on_idle: '闲置或未动工宗地新增建设',
  no_change_after_start_date: '疑似闲置（逾期未动工）',
  demolition_on_producing: '投产宗地拆除',
  change_outside_cluster: '集聚区外变化',
} as const

export const ALERT_STATUS = {
  new: '待分派', assigned: '已分派', in_field: '现场核查中', confirmed: '已确认属实', false_positive: '已排除（误报）', closed: '已办结',
} as const

/** The workflow's steps (server/db/repos/alerts TRANSITIONS), as a button or a history line says them. */
export const ALERT_ACTION = {
  assign: '分派', take: '领取', start_field: '开始现场核查', confirm: '确认属实', false_positive: '排除（误报）', close: '办结',
} as const

/** parcel_flag.kind (annex 3 art. 2 types 1 and 6, set by an official). */
export const FLAG_KIND = { industry_transition: '产业转型', other: '其他低效' } as const

/** Contract indicators (annex 2 "3+N+1"; DOMAIN.md "Standard land"), with the unit each is read in. */
export const INDICATOR = {
  plot_ratio: '容积率', building_density: '建筑密度', investment_intensity: '投资强度', output_intensity: '亩均产值',
  building_coefficient: '建筑系数', green_ratio: '绿地率', admin_share: '行政办公及生活服务设施用地比例', tax_per_mu: '亩均税收',
  employment: '就业人数', energy_per_value_added: '单位增加值能耗',
} as const

/** Units as stored in the data → as written for a reader ('ratio': a share, written in %). */
export const UNIT = {
  ratio: '%', 'm2': 'm²', mu: '亩', ha: '公顷', wan: '万元', '万元/亩': '万元/亩', km2: 'km²', persons: '人',
} as const

/** The file (一地一档): the kinds of event (server/db/repos/parcels/history.sql `type`). */
export const FILE_EVENT = {
  registration: '登记入库', retirement: '注销', geometry_change: '图形变更', attribute_change: '属性变更', supply: '供地',
  contract_indicator: '合同指标', inspection: '巡查核查', development: '开发建设', disposal: '处置台账', alert: '巡查预警',
  lease: '租赁', figures: '年度经营数据', approval: '批次批准', enterprise: '企业信息', standard_land_check: '标准地核查',
  parcel_flag: '官方认定',
} as const

export const FILE_ACTION = { insert: '新增', update: '修改', delete: '删除', approved: '批准' } as const

/** Field names of land records, as the file and the exports list what changed. */
export const FIELD = {
  code: '宗地编号', county_code: '区县', cluster_code: '产业集聚区', land_use: '土地用途', stage: '生命周期阶段', stated_area_m2: '填报面积',
  owner_name: '权利人', geom: '图形', retired_at: '注销时间', retired_reason: '注销原因', area_m2: '面积', area_mu: '面积（亩）',
  kind: '类型', occurred_on: '日期', developed_area_m2: '已开发面积', invested_wan: '已投资', note: '说明', measure: '处置措施',
  deadline: '完成时限', responsible_unit: '责任单位', progress: '进展', completed_on: '完成日期', status: '状态', severity: '等级',
  contract_no: '合同编号', signed_on: '签订日期', supply_method: '供地方式', agreed_start_on: '约定动工日期',
  agreed_completion_on: '约定竣工日期', price_wan: '出让价款', terminated_on: '解除日期', land_user_code: '土地使用权人',
  total_investment_wan: '总投资', term_years: '出让年限', cause: '形成原因', name: '名称', tax_paid_wan: '纳税',
  tax_refund_wan: '退税减免', output_wan: '产值', value_added_wan: '增加值', energy_tce: '能耗', employment: '从业人数',
  profit_wan: '利润', rating: '评价类别', year: '年度', industry: '行业', above_scale: '规模以上', intelligent_retrofit: '智能化改造',
  planned_floor_area_m2: '规划建筑面积', is_standard_land: '标准地', major_project: '重大项目', indicator: '指标', unit: '单位',
  direction: '方向', value: '数值', is_core: '核心指标', assignee_id: '承办人', assigned_at: '分派时间', closed_at: '办结时间',
  due_on: '办结期限', finding: '核查记录', ledger_id: '处置台账', escalated_to: '督办人', escalated_at: '督办时间',
  starts_on: '起始日期', ends_on: '终止日期', tenant_code: '承租企业', landholder_code: '出租方', measured: '测量值',
  government_caused: '政府原因', recorded_by: '记录人', legal_person: '法定代表人', contact_phone: '联系电话', type: '类型',
  approval_no: '批准文号', approved_on: '批准日期', image_before: '前时相', image_after: '后时相', period: '监测批次',
  change_type: '变化类型', zone_type: '分区类型', short_name: '简称', target_tax_per_mu: '目标亩均税收',
  credit_code: '统一社会信用代码', overlap_m2: '重叠面积', overlap_share: '重叠比例', started_on: '动工日期',
  halted_on: '停工日期', halted_since: '停工自', updated_at: '更新时间', created_at: '记录时间', version: '版本',
  land_user: '用地单位', tax_year: '税收年度', tax_wan: '税收', old_stock: '2018年前存量', remainder_mu: '未供面积',
  digestion_rate: '消化率', class: '分类', class_detail: '分类细项', class_key: '图例分类', area_km2: '面积（km²）',
  enterprise: '企业', parcel: '宗地', contract: '供地合同', batch: '批次', alert: '预警', upload: '上传批次',
  doc_no: '文号', set_on: '认定日期', set_by: '认定人', reason: '理由', cleared_on: '解除日期', cleared_doc_no: '解除文号',
  cleared_reason: '解除理由', cleared_by: '解除人', tenant: '承租企业', landholder: '出租方',
} as const

/** Values the analysis measures and a reason cites (reason.measured). */
export const MEASURED = {
  days_since_agreed_start: '距约定动工日期（天）', days_past_agreed_start: '超过约定动工日期（天）', started: '已动工',
  started_on: '动工日期', halted_on: '停工日期', halted_days: '停工天数', developed_m2: '已开发面积（m²）',
  planned_area_m2: '应开发面积（m²）', developed_share: '开发比例', invested_wan: '已投资（万元）',
  total_investment_wan: '总投资（万元）', invested_share: '投资比例', agreed_start_on: '约定动工日期',
  overlap_m2: '重叠面积（m²）', overlap_share: '占图斑比例', change_m2: '图斑面积（m²）', first_construction_on: '首次建设日期',
  halted: '停工', halted_since: '停工自', idle: '闲置', completed_on: '竣工日期', stage: '阶段', inside_m2: '集聚区内面积（m²）',
  on_parcels_m2: '落在宗地上的面积（m²）', batch_overlap_m2: '与批次重叠面积（m²）', approved: '已批准建设',
  contract_in_force_at_image_after: '后时相日期有有效供地合同', changes_since_signed: '签约后变化图斑数',
  loss_years: '亏损年数', last_rated_year: '最近评价年度', ratings: '评价', outside_m2: '集聚区外面积（m²）', unsupplied_m2: '未供地面积（m²）',
} as const

// ---- governance reports (§四(三), §二(三)9) -------------------------------------------------------

export const REPORT_KIND = {
  quarterly: '季度进展报告', ranking: '半年评比排名', evaluation: '年度考评', quota: '增存挂钩新增建设用地指标测算',
  disclosure: '批而未供、闲置、低效用地公开清单',
} as const

/** How a report's score is computed, in words, with the plan's article (the SQL's own formula,
 * governance-3-reports.sql, says the same in symbols). */
export const REPORT_FORMULA = {
  ranking: '得分 = Σ（权重 × 完成率 × 100）÷ Σ 权重；完成率 = 完成值 ÷ 目标值，不超过单项上限；无可评内容的指标不参评并列出（洛政办〔2021〕16号 §四(三) 半年评比）',
  evaluation: '得分 = Σ（权重 × 完成率 × 100）÷ Σ 权重；完成率 = 完成值 ÷ 年度目标，不超过单项上限；无可评内容的指标不参评并列出（洛政办〔2021〕16号 §四(三) 年度考评）',
} as const

export const REPORT_LEVEL = { county: '区县', cluster: '集聚区', city: '全市' } as const

export const REPORT_INDICATOR = {
  unsupplied_yearly: '批而未供年度消化', old_stock: '2018年前存量盘活', idle_disposal: '闲置土地处置', inefficient_disposal: '低效用地处置',
  standard_land: '标准地出让比例', per_mu_tax: '亩均税收完成率', alert_handling: '预警按期处置', ledger_on_time: '台账按期完成',
} as const

/** Why an indicator is left out of a score (governance_ranking: nothing to measure). */
export const LEFT_OUT = {
  no_stock: '无存量', missing: '数据源未安装', none_sold: '无出让', no_target: '无目标', no_figures: '无数据',
  no_alerts: '无预警', no_open_entries: '无在办台账', withheld: '不公开',
} as const

export const REPORT_SET = {
  year_start: '年初存量', now: '期末现状', found_period: '本期新发现', found_ytd: '本年新发现', disposed_period: '本期处置', disposed_ytd: '本年处置',
} as const

export const INTERVIEW_REASON = { score_below: '得分低于约谈线', bottom: '排名末位' } as const

/** County rules (county_rule.key) a report or a reason cites, by what they set. */
export const RULE = {
  governance_ranking: '半年评比规则', governance_evaluation: '年度考评规则', governance_quota: '增存挂钩测算规则',
  quota_base_mu: '增存挂钩基数', disclosure_publish: '信息公开范围', idle_days: '闲置认定天数', idle_stage2_days: '闲置满两年天数',
  idle_developed_share: '闲置开发比例线', idle_invested_share: '闲置投资比例线', halt_days: '停工认定天数', sliver_m2: '碎片面积',
  no_profit_years: '停产亏损年数', green_ratio_max: '绿地率上限', admin_share_max: '行政办公用地比例上限',
  area_tolerance: '面积容差', alert_overlap_share: '预警重叠比例阈值', alert_overlap_m2: '预警重叠面积阈值',
  alert_no_change_grace_days: '逾期未动工宽限天数', alert_activity_change_types: '视为开发活动的变化类型',
  construction_change_types: '视为建设的变化类型', industrial_zone_types: '工业规划分区类型',
  unsupplied_yearly_target: '批而未供年度消化目标', idle_disposal_yearly_target: '闲置处置年度目标',
  inefficient_disposal_yearly_target: '低效处置年度目标', 'parcel.stated_area_tolerance': '填报面积容差',
  alert_severity: '预警等级', alert_due_days: '预警办结天数', alert_due_soon_days: '预警即将到期天数',
  change_link_share: '变化图斑关联重叠比例', city_target_tax_per_mu: '全市亩均税收目标', energy_intensity_decline_target: '能耗强度下降目标',
  enterprise_rating: '企业分类评价规则', industrial_land_use_like: '工业用地用途识别', intelligent_retrofit_target: '智能化改造目标',
  large_project_mu: '大项目面积线（亩）', permu_disclosure_min_enterprises: '亩均数据公开最少企业数', phased_supply_from: '分期供地起始面积',
  rating_c_years: '连续 C 类年数', standard_land_completion_check_months: '标准地竣工验收期限（月）',
  standard_land_completion_indicators: '标准地竣工验收指标', standard_land_production_check_months: '标准地达产验收期限（月）',
  standard_land_rectification_months: '标准地整改期限（月）', standard_land_share_targets: '标准地出让比例目标',
  standard_land_termination_months: '标准地解除合同期限（月）', stock_cutoff_date: '存量认定截止日期',
  stock_revitalise_deadline: '存量盘活完成期限', stock_revitalise_target: '存量盘活目标', ubs_ledger_days: '未供即用台账办结天数',
  ubs_ledger_unit: '未供即用台账责任单位', unsupplied_baseline_date: '批而未供基数日期',
} as const

// ---- per-mu and standard land ---------------------------------------------------------------------

export const STANDARD_LAND_STATUS = {
  awaiting_completion_check: '待竣工验收', completion_accepted: '待达产验收', production_accepted: '已达产',
  rectifying: '整改中', termination_recommended: '建议解除合同', terminated: '已解除合同',
} as const

export const RATING = { A: 'A 类', B: 'B 类', C: 'C 类', D: 'D 类' } as const

// ---- uploads ---------------------------------------------------------------------------------------

export const UPLOAD_LAYER = {
  parcels: '宗地', batches: '批次', contracts: '供地合同', plan_zones: '规划分区', clusters: '产业集聚区', changes: '遥感变化图斑',
} as const

export const UPLOAD_STATUS = {
  receiving: '接收中', validating: '校验中', ready: '待提交', committing: '提交中', committed: '已提交入库', discarded: '已放弃', failed: '处理失败',
} as const

export const UPLOAD_PHASE = { reading: '读取', remapping: '字段对应', checking: '校验', committing: '提交', analysing: '分析', ready: '完成' } as const

export const FEATURE_STATUS = { ok: '通过', warning: '警告', rejected: '拒绝' } as const

/** What a commit would do with a feature (check-changes.sql). */
export const FEATURE_CHANGE = { new: '新增', changed: '变更', unchanged: '未变' } as const

export const COUNTY_SOURCE = {
  column: '依据文件中的行政区代码', boundary: '依据区县界（图形所在）', code_prefix: '依据编号前 6 位', parcel: '依据所属宗地', cluster: '依据所属集聚区',
} as const

export const CRS_SOURCE = {
  override: '人工指定', prj: '依据 .prj 文件', 'geojson-crs': '依据 GeoJSON 的坐标系声明', rfc7946: 'GeoJSON 默认（WGS84）',
  inferred: '按坐标范围推断', txt: '依据坐标文件的 [属性描述]', format: '依据文件格式的坐标系声明',
} as const

export const ENCODING_SOURCE = { override: '人工指定', cpg: '依据 .cpg 文件', ldid: '依据 DBF 语言驱动标识', sniffed: '按内容识别', codepage: '依据 DXF 的代码页声明' } as const

export const ISSUE_LEVEL = { error: '错误', warning: '警告' } as const

export const DISCLOSURE_CLASS = { unsupplied: '批而未供', idle: '闲置', inefficient: '低效' } as const

/** The collections of the OGC API – Features (/ogc, server/ogc/collections.ts) that have no tile
 * layer of their own (the tile layers' titles are in server/tiles/layers.ts). */
export const COLLECTION_TITLE = {
  contracts: '供地合同', idle: '闲置土地', inefficient: '低效用地', used_before_supply: '未供即用', conformity: '规划符合性',
} as const

/** What each OGC API collection holds, 中文 first (desktop GIS shows it beside the title). */
export const COLLECTION_DESCRIPTION = {
  clusters: '产业集聚区范围 / industrial cluster boundaries',
  counties: '区县界 / county boundaries',
  plan_zones: '集聚区规划分区 / planning zones of the clusters',
  parcels: '宗地（含分类）/ land parcels, with their classes',
  unsupplied: '批而未供：批次中尚未供应的部分 / the unsupplied remainders of approval batches',
  batches: '农转用审批批次 / approval batches',
  changes: '遥感监测变化图斑 / remote-sensing change polygons',
  alerts: '动态巡查预警 / dynamic-patrol alerts',
  contracts: '供地合同（宗地范围）/ supply contracts, drawn as their parcels',
  idle: '闲置土地认定结果及依据 / parcels found idle, with the rule and reason',
  inefficient: '低效用地认定结果及依据 / parcels found inefficient, with the rule and reason',
  used_before_supply: '未供即用认定结果及依据 / parcels used before supply, with the rule and reason',
  conformity: '规划符合性问题及依据 / parcels not conforming to the plan, with the rule and reason',
} as const

/** Every table above by name: what the label tests walk and TileJSON value labels draw from. */
export const CODE_LABELS = {
  stage: STAGE, classification: CLASSIFICATION, inefficientType: INEFFICIENT_TYPE, idleStage: IDLE_STAGE, findingRule: FINDING_RULE,
  parcelKey: PARCEL_KEY, role: ROLE, zoneType: ZONE_TYPE, changeType: CHANGE_TYPE, supplyMethod: SUPPLY_METHOD,
  developmentKind: DEVELOPMENT_KIND, severity: SEVERITY, alertType: ALERT_TYPE, alertStatus: ALERT_STATUS, alertAction: ALERT_ACTION,
  flagKind: FLAG_KIND, indicator: INDICATOR, unit: UNIT, fileEvent: FILE_EVENT, fileAction: FILE_ACTION, field: FIELD,
  measured: MEASURED, reportKind: REPORT_KIND, reportFormula: REPORT_FORMULA, reportLevel: REPORT_LEVEL, reportIndicator: REPORT_INDICATOR, leftOut: LEFT_OUT,
  reportSet: REPORT_SET, interviewReason: INTERVIEW_REASON, rule: RULE, standardLandStatus: STANDARD_LAND_STATUS, rating: RATING,
  uploadLayer: UPLOAD_LAYER, uploadStatus: UPLOAD_STATUS, uploadPhase: UPLOAD_PHASE, featureStatus: FEATURE_STATUS,
  featureChange: FEATURE_CHANGE, countySource: COUNTY_SOURCE, crsSource: CRS_SOURCE, encodingSource: ENCODING_SOURCE,
  issueLevel: ISSUE_LEVEL, disclosureClass: DISCLOSURE_CLASS, auditKind: AUDIT_KIND, auditResult: AUDIT_RESULT,
} as const

export type CodeDomain = keyof typeof CODE_LABELS

/** The label of a code in a domain; an unknown code (or none) shows as given, '—' for nothing. */
export function label(domain: CodeDomain, code: unknown): string {
  if (code === null || code === undefined || code === '') return '—'
  const table = CODE_LABELS[domain] as Record<string, string>
  return table[String(code)] ?? String(code)
}

/** The label of a classification as a badge says it: 低效·停建缓建, 闲置（满两年）. */
export function classificationLabel(c: { classification?: unknown; type?: unknown; stage?: unknown }): string {
  const name = label('classification', c.classification)
  if (c.classification === 'inefficient' && c.type) return `${name}·${label('inefficientType', c.type)}`
  if (c.classification === 'idle' && c.stage) return `${name}（${label('idleStage', Number(c.stage) >= 2 ? 2 : 1)}）`
  return name
}
