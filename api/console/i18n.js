// The console's words in Chinese (the default) and English; codes (fraud types, statuses…) are labelled from
// /api/v1/codes, so only the console's own words live here.
"use strict";
window.FZ = window.FZ || {};
(function (FZ) {
  const WORDS = {
    zh: {
      title: "反诈控制台", nav_search: "案件检索", nav_clusters: "团伙", nav_plan: "本周计划", nav_tasks: "日程单",
      nav_warnings: "紧急预警", nav_dashboard: "一屏统览", sign_out: "退出", sign_in: "登录",
      token: "令牌（fanzha users add 或 fanzha demo 给出）", purpose: "查询目的（写入审计日志）",
      signin_help: "令牌只保存在本浏览器标签页中，关闭即清除。", bad_token: "令牌无效或已吊销",
      role_investigator: "侦查员", role_prevention: "反诈宣防", role_analyst: "分析员", role_admin: "管理员",
      search: "检索", query_ph: "关键词、手机号、银行卡号…（支持 AND / OR / NOT / \"短语\"）", any_type: "全部类型",
      any_status: "全部状态", district: "辖区代码", from: "起", to: "止", sort_relevance: "按相关度",
      sort_date: "按时间", sort_loss: "按损失", hits: "共 {n} 条", page: "第 {n} 页", prev: "上一页", next: "下一页",
      facet_fraud_type: "诈骗类型", facet_district: "辖区", facet_month: "月份", clear_filters: "清除筛选",
      no_hits: "没有找到案件", unmatched: "无匹配词：{t}", suggest: "您是否要找：", dropped: "部分结果缺少：{t}",
      report: "案件", reported_at: "报案时间", occurred_at: "发案时间", fraud_type: "诈骗类型", loss: "损失",
      status: "状态", victim: "受害人", contact_channel: "接触渠道", identifiers: "涉案标识", narrative: "简要案情",
      narrative_hidden: "您的角色无权查看案情，号码已脱敏。", similar: "相似案件", cluster: "所属团伙",
      open_cluster: "查看团伙 #{id}", no_cluster: "该案件不在任何团伙中", shared: "共同标识",
      cluster_title: "团伙 #{id}", reports: "案件数", victims: "受害人数", total_loss: "总损失", span: "时间跨度",
      days: "{n} 天", confidence: "置信度", cross: "跨辖区", yes: "是", no: "否", chain: "证据链",
      report_a: "案件 A", report_b: "案件 B", show_chain: "显示证据链", chain_steps: "{n} 步",
      pick_hint: "点击图中两个案件节点，或在下方选择。", export: "导出", money_trail: "资金流向",
      trace: "追踪 {id} 的资金", hops: "转账", dwell: "停留", amount: "金额", account: "账户", time: "时间",
      cashed_out: "已取现", key_accounts: "关键账户", node_report: "案件", node_account: "账户",
      node_phone: "电话", node_im: "社交账号", node_app: "APP", node_url: "网址", node_service: "洗钱服务账户",
      node_hub: "公共枢纽", shared_note: "共用节点，不作为串并依据", chain_none: "两案件之间没有证据链",
      plan_title: "本周宣防计划", plan_week: "周次", strategy: "策略", plan_status: "状态", draft: "待批准",
      approved: "已批准", superseded: "已替代", approve: "批准计划", approved_by: "批准人 {by}，{at}",
      assignments: "宣防对象", held_out: "对照组（不干预）", minutes: "工时（分钟）", expected_averted: "预计避免案件",
      by_grid: "按网格与民警", grid: "网格", staff: "民警", channel: "方式", count: "人数", no_plan: "本周没有计划",
      tasks_title: "日程单", day: "日期", load: "查看", print: "打印", record: "记录", resident: "居民",
      content: "宣传材料", due: "截止", outcome: "结果", recorded: "已记录", no_tasks: "当天没有任务",
      warnings_title: "紧急预警队列", overdue_only: "只看超时", grade: "等级", number: "可疑号码",
      raised_at: "预警时间", countdown: "剩余时间", overdue: "已超时 {t}", closed: "已处置",
      reached: "已接通", no_answer: "未接通", not_home: "不在家", refused: "拒绝", wrong_number: "号码错误",
      escalate: "升级（上门）", grade_high: "高", grade_medium: "中", grade_low: "低", step: "当前步骤",
      refresh_note: "每 30 秒自动刷新", no_warnings: "没有预警",
      action_call: "电话", action_sms: "短信", action_visit: "上门", action_family_contact: "联系家属",
      dash_title: "一屏统览", rate_year: "万人发案率（年化）", local_reports: "本地案件", total_loss_all: "案件损失",
      week_cases: "最近一周案件", wow: "环比 {p}", by_community: "各社区万人发案率", trend: "每周案件与损失",
      type_mix: "诈骗类型构成", risk_dist: "各社区风险分布（{w}）", mean_score: "平均风险分", top_decile: "最高风险十分位人数",
      hot_spots: "热点与告警（{w}）", community: "社区", cases: "案件", per10k_window: "窗口期万人发案率",
      hot_spot: "热点", alert: "告警", cases_unit: "起", loss_unit: "损失（元）", expected_cases: "预计案件",
      warnings_in_time: "预警按时处置", materials: "携带材料", flagged_contact: "涉诈号码联系（干预/对照）", warning_answered: "预警已应答（干预/对照，仅被预警者）", transfer_stopped: "止付/未受损（干预/对照，仅报案者）", reached_4w: "近四周触达居民", elderly_reached: "其中老年人", others_reached: "其他居民", reach_trend: "每周触达居民（老年人）", residents: "人", no_data: "暂无数据", loading: "加载中…", forbidden: "您的角色无权访问此页面",
      error: "出错：{m}", lang_switch: "EN", age_unit: "岁", services: "涉及的洗钱服务", service_line: "{accounts} 个账户，服务 {reports} 起案件",
      via_service: "{of} 笔转账中 {n} 笔经洗钱服务账户", hop_open: "资金仍在流转", hop_end: "已取现或停留", map: "万人发案率分布（按社区位置）", rate_period: "万人发案率", high: "高", low: "低", calibration: "风险模型校准（每万人）", predicted: "预测", observed: "实际",
      calibration_note: "{from}–{to} 评估：ROC-AUC {auc}，Brier {brier}，受害人 {victims} 名。虚线为完美校准。", nav_effect: "宣防成效", effect_title: "宣防成效（与对照组比较）", treated: "干预组受骗率",
      difference: "受骗率差（干预−对照）", interval: "置信区间", urgent_excluded: "接触或预警后两天内（两组不计入）", follow_up: "随访 {n} 天",
      by_campaign: "各期活动", by_channel: "各宣防方式",
      effect_note: "按意向处理（ITT）比较干预组与随机对照组的受骗率；区间为 Newcombe 混合得分区间。差值小于 0 表示宣防减少了受骗。", gender_m: "男", gender_f: "女", gender_unknown: "性别不详"
    },
    en: {
      title: "fanzha console", nav_search: "Search", nav_clusters: "Clusters", nav_plan: "Week plan", nav_tasks: "Day sheets",
      nav_warnings: "Urgent warnings", nav_dashboard: "Dashboard", sign_out: "Sign out", sign_in: "Sign in",
      token: "Token (from fanzha users add or fanzha demo)", purpose: "Purpose (written to the audit log)",
      signin_help: "The token is kept in this browser tab only and cleared when it closes.", bad_token: "Unknown or revoked token",
      role_investigator: "investigator", role_prevention: "prevention", role_analyst: "analyst", role_admin: "admin",
      search: "Search", query_ph: "words, phone or card numbers… (AND / OR / NOT / \"phrases\")", any_type: "all types",
      any_status: "any status", district: "district code", from: "from", to: "to", sort_relevance: "relevance",
      sort_date: "date", sort_loss: "loss", hits: "{n} cases", page: "page {n}", prev: "Previous", next: "Next",
      facet_fraud_type: "Fraud type", facet_district: "District", facet_month: "Month", clear_filters: "Clear filters",
      no_hits: "No cases found", unmatched: "No match for: {t}", suggest: "Did you mean: ", dropped: "Some hits lack: {t}",
      report: "Report", reported_at: "Reported", occurred_at: "Occurred", fraud_type: "Fraud type", loss: "Loss",
      status: "Status", victim: "Victim", contact_channel: "Contact channel", identifiers: "Identifiers", narrative: "Narrative",
      narrative_hidden: "Your role may not read narratives; numbers are masked.", similar: "Similar reports", cluster: "Cluster",
      open_cluster: "Open cluster #{id}", no_cluster: "This report is in no cluster", shared: "shared",
      cluster_title: "Cluster #{id}", reports: "Reports", victims: "Victims", total_loss: "Total loss", span: "Span",
      days: "{n} days", confidence: "Confidence", cross: "Cross-jurisdiction", yes: "yes", no: "no", chain: "Evidence chain",
      report_a: "Report A", report_b: "Report B", show_chain: "Show evidence chain", chain_steps: "{n} steps",
      pick_hint: "Click two report nodes in the graph, or choose below.", export: "Export", money_trail: "Money trail",
      trace: "Trace the money of {id}", hops: "Transfers", dwell: "Dwell", amount: "Amount", account: "Account", time: "Time",
      cashed_out: "cashed out", key_accounts: "Key accounts", node_report: "report", node_account: "account",
      node_phone: "phone", node_im: "IM id", node_app: "app", node_url: "URL", node_service: "laundering service",
      node_hub: "hub", shared_note: "shared: never used to link reports", chain_none: "No evidence chain links these reports",
      plan_title: "This week's outreach plan", plan_week: "Week", strategy: "Strategy", plan_status: "Status", draft: "draft",
      approved: "approved", superseded: "superseded", approve: "Approve plan", approved_by: "approved by {by}, {at}",
      assignments: "Residents", held_out: "Held out (control)", minutes: "Minutes", expected_averted: "Expected cases averted",
      by_grid: "By grid and officer", grid: "Grid", staff: "Officer", channel: "Channel", count: "Residents", no_plan: "No plan this week",
      tasks_title: "Day sheets", day: "Day", load: "Show", print: "Print", record: "Record", resident: "Resident",
      content: "Material", due: "Due", outcome: "Outcome", recorded: "recorded", no_tasks: "No tasks that day",
      warnings_title: "Urgent-warning queue", overdue_only: "Overdue only", grade: "Grade", number: "Suspect number",
      raised_at: "Raised", countdown: "Time left", overdue: "Overdue by {t}", closed: "closed",
      reached: "Reached", no_answer: "No answer", not_home: "Not home", refused: "Refused", wrong_number: "Wrong number",
      escalate: "Escalate (visit)", grade_high: "high", grade_medium: "medium", grade_low: "low", step: "Current step",
      refresh_note: "refreshes every 30 s", no_warnings: "No warnings",
      action_call: "call", action_sms: "SMS", action_visit: "visit", action_family_contact: "family contact",
      dash_title: "Dashboard", rate_year: "Cases per 10,000 a year", local_reports: "Local reports", total_loss_all: "Losses",
      week_cases: "Cases last week", wow: "week on week {p}", by_community: "Cases per 10,000 by community", trend: "Cases and losses by week",
      type_mix: "Fraud-type mix", risk_dist: "Risk by community ({w})", mean_score: "mean score", top_decile: "residents in top decile",
      hot_spots: "Hot spots and alerts ({w})", community: "Community", cases: "Cases", per10k_window: "per 10,000 (window)",
      hot_spot: "hot spot", alert: "alert", cases_unit: "cases", loss_unit: "loss (yuan)", expected_cases: "expected cases",
      warnings_in_time: "Warnings answered in time", materials: "Bring", flagged_contact: "Contacted by flagged numbers (treated / held out)", warning_answered: "Warnings answered (treated / held out, the warned only)", transfer_stopped: "Transfers stopped (treated / held out, those who reported only)", reached_4w: "Residents reached, last 4 weeks", elderly_reached: "of them elderly", others_reached: "others", reach_trend: "Residents reached each week (elderly)", residents: "residents", no_data: "No data yet", loading: "Loading…", forbidden: "Your role may not open this page",
      error: "Error: {m}", lang_switch: "中文", age_unit: " years", services: "Laundering services used", service_line: "{accounts} accounts, {reports} reports served",
      via_service: "{n} of {of} transfers through laundering services' accounts", hop_open: "money moving on", hop_end: "cashed out or held", map: "Cases per 10,000 on the map", rate_period: "per 10,000", high: "high", low: "low", calibration: "Risk model calibration (per 10,000)", predicted: "predicted", observed: "observed",
      calibration_note: "Evaluated {from}–{to}: ROC-AUC {auc}, Brier {brier}, {victims} victims. Dashed: perfect calibration.", nav_effect: "Campaign effect", effect_title: "Campaign effect (against the holdout)", treated: "Victimised, treated",
      difference: "Difference (treated − held out)", interval: "interval", urgent_excluded: "Set aside after a contact or warning (both arms)", follow_up: "{n}-day follow-up",
      by_campaign: "By campaign", by_channel: "By channel",
      effect_note: "Intention to treat: victimisation among the treated against the randomised holdout; Newcombe hybrid score intervals. Below 0 means outreach averted cases.", gender_m: "male", gender_f: "female", gender_unknown: "gender unknown"
    }
  };

  FZ.lang = function () {
    return localStorage.getItem("fz.lang") === "en" ? "en" : "zh";
  };
  FZ.setLang = function (lang) {
    localStorage.setItem("fz.lang", lang);
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  };
  /** The word for `key` in the current language, with `{name}` placeholders filled from `args`. */
  FZ.t = function (key, args) {
    const words = WORDS[FZ.lang()];
    let s = words[key] !== undefined ? words[key] : WORDS.zh[key] !== undefined ? WORDS.zh[key] : key;
    if (args) {
      for (const k of Object.keys(args)) s = s.split("{" + k + "}").join(String(args[k]));
    }
    return s;
  };
  /** Both tables' keys, for the test that every word exists in both languages. */
  FZ.i18nKeys = function () {
    return { zh: Object.keys(WORDS.zh), en: Object.keys(WORDS.en) };
  };
})(window.FZ);
