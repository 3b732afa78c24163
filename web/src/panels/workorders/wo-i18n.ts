// The wall screen's work-order strings (工单), zh-CN first. Kept with the panel rather than in the
// app's big dictionary (app/i18n.ts) so this capability's words live in one place; the language is
// the app's one setting.
import { useI18n, type Lang } from '../../app/i18n.ts';
import { DEFAULT_CATEGORIES, DEPARTMENTS } from '../../../../protocol/workorders.ts';

const zh = {
  'wo.title': '工单',
  'wo.empty': '暂无未完成工单',
  'wo.loadFailed': '工单加载失败：{error}',
  'wo.failed': '操作失败：{error}',
  'wo.overdue': '超时工单',
  'wo.overdueShort': '超时 {n}',
  'wo.onSite': '到场',
  'wo.fix': '完成',
  'wo.plan': '方案',
  'wo.paused': '挂起',
  'wo.pausedReason': '挂起：{reason}',
  'wo.assignee': '处理人 {name}',
  'wo.team': '班组 {name}',
  'wo.unassigned': '未派单',
  'wo.escalated': '已升级 L{level}',
  'wo.reopened': '返工 ×{n}',
  'wo.fromAlert': '告警 #{id}',
  'wo.number': '#{id}',
  'wo.floor': '{floor}层',
  'wo.room': '{room}室',
  'wo.qrSheet': '报修二维码',
  'wo.source.resident': '住户报修',
  'wo.source.open311': 'Open311',
  'wo.source.alert': '告警转',
  'wo.source.inspection': '巡查发现',
  'wo.status.new': '待派单',
  'wo.status.dispatched': '已派单',
  'wo.status.accepted': '已接单',
  'wo.status.on_site': '已到场',
  'wo.status.paused': '挂起',
  'wo.status.resolved': '已处理',
  'wo.status.closed': '已关闭',
  'wo.status.reopened': '返工',
  'wo.status.cancelled': '已取消',
  'wo.tier.small': '小修 40分钟',
  'wo.tier.serious': '较重 3小时',
  'wo.tier.complex': '复杂 2天',
  'wo.tier.special': '特殊 1天出方案',
  'wo.toOrder': '转工单',
  'wo.toOrderBusy': '正在转…',
  'wo.alertOrder': '工单 #{id}',
  'qr.title': '报事报修二维码 · {estate}',
  'qr.hint': '张贴在各楼栋 / 单元入口。住户扫码即可报修，位置自动填好。',
  'qr.print': '打印',
  'qr.close': '关闭',
  'qr.scan': '扫码报事报修',
  'qr.none': '本小区没有楼栋',
} as const;

export type WoKey = keyof typeof zh;

const en: Record<WoKey, string> = {
  'wo.title': 'Work orders',
  'wo.empty': 'No open work orders',
  'wo.loadFailed': 'Work orders unavailable: {error}',
  'wo.failed': 'Failed: {error}',
  'wo.overdue': 'Overdue orders',
  'wo.overdueShort': '{n} overdue',
  'wo.onSite': 'On site',
  'wo.fix': 'Fix',
  'wo.plan': 'Plan',
  'wo.paused': 'Paused',
  'wo.pausedReason': 'Paused: {reason}',
  'wo.assignee': 'by {name}',
  'wo.team': 'team {name}',
  'wo.unassigned': 'Not dispatched',
  'wo.escalated': 'Escalated L{level}',
  'wo.reopened': 'Reopened ×{n}',
  'wo.fromAlert': 'Alert #{id}',
  'wo.number': '#{id}',
  'wo.floor': 'Floor {floor}',
  'wo.room': 'Room {room}',
  'wo.qrSheet': 'Report QR codes',
  'wo.source.resident': 'Resident',
  'wo.source.open311': 'Open311',
  'wo.source.alert': 'From alert',
  'wo.source.inspection': 'Inspection',
  'wo.status.new': 'New',
  'wo.status.dispatched': 'Dispatched',
  'wo.status.accepted': 'Accepted',
  'wo.status.on_site': 'On site',
  'wo.status.paused': 'Paused',
  'wo.status.resolved': 'Resolved',
  'wo.status.closed': 'Closed',
  'wo.status.reopened': 'Reopened',
  'wo.status.cancelled': 'Cancelled',
  'wo.tier.small': 'Small · 40 min',
  'wo.tier.serious': 'Serious · 3 h',
  'wo.tier.complex': 'Complex · 2 days',
  'wo.tier.special': 'Special · plan in 1 day',
  'wo.toOrder': 'Work order',
  'wo.toOrderBusy': 'Creating…',
  'wo.alertOrder': 'Order #{id}',
  'qr.title': 'Report-a-problem QR codes · {estate}',
  'qr.hint': 'Put one up at each building or unit entrance. Residents scan it to report; the location is filled in.',
  'qr.print': 'Print',
  'qr.close': 'Close',
  'qr.scan': 'Scan to report a problem',
  'qr.none': 'This estate has no buildings',
};

const dictionaries: Record<Lang, Record<WoKey, string>> = { 'zh-CN': zh, en };

export type WoTranslate = (key: WoKey, params?: Record<string, string | number>) => string;

export function isWoKey(key: string): key is WoKey {
  return key in zh;
}

const CATEGORIES = new Map(DEFAULT_CATEGORIES.map((c) => [c.code, c]));

export function useWoI18n(): { lang: Lang; t: WoTranslate; category(code: string): string; department(code: string): string } {
  const { lang } = useI18n();
  const t: WoTranslate = (key, params) =>
    dictionaries[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (params && name in params ? String(params[name]) : whole));
  const category = (code: string) => {
    const c = CATEGORIES.get(code);
    return c ? (lang === 'en' ? c.name : c.nameZh) : code;
  };
  const department = (code: string) => {
    const d = DEPARTMENTS[code];
    return d ? (lang === 'en' ? d.name : d.nameZh) : code;
  };
  return { lang, t, category, department };
}
