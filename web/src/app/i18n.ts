// Every UI string goes through this dictionary. zh-CN is the default (the operators' language);
// English is one toggle away in the header. The choice is remembered per browser.
import { useSyncExternalStore } from 'react';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

const zh = {
  'app.title': '智慧小区',
  'app.subtitle': 'Smart Estate',
  'login.heading': '控制室登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.failed': '登录失败：{error}',
  'login.missing': '请输入用户名和密码',
  'session.expired': '会话已过期或无效，请重新登录',
  'error.network': '无法连接服务器：{error}',
  'error.http': '服务器返回 {status}',
  'header.estate': '小区',
  'header.logout': '退出',
  'header.language': 'English',
  'header.languageLabel': '切换语言',
  'conn.connected': '已连接',
  'conn.connecting': '连接中…',
  'conn.offline': '已断开',
  'conn.label': '实时数据',
  'estate.loading': '正在加载小区…',
  'estate.failed': '加载小区失败：{error}',
  'estate.none': '没有可访问的小区',
  'panel.title': '最新事件',
  'panel.empty': '暂无事件',
  'panel.time': '时间',
  'panel.kind': '类型',
  'panel.device': '设备',
  'panel.summary': '详情',
  'kind.checkin': '巡更打卡',
  'kind.camera': '视频事件',
  'kind.vehicle': '车辆',
  'kind.position': '定位',
  'kind.status': '设备状态',
  'kind.alert': '告警',
  'summary.checkin': '{guard} @ {checkpoint}',
  'summary.camera': '{type} · 置信度 {score}',
  'summary.vehicle': '{plate} {direction}',
  'summary.position': '{guard} 位置更新',
  'summary.status': '{online}',
  'summary.battery': ' · 电量 {battery}%',
  'summary.alert': '{title} · {severity} · {status}',
  'severity.info': '提示',
  'severity.warning': '警告',
  'severity.major': '重要',
  'severity.critical': '紧急',
  'alertStatus.open': '待处理',
  'alertStatus.acknowledged': '已确认',
  'alertStatus.resolved': '已解决',
  'direction.in': '入场',
  'direction.out': '出场',
  'status.online': '在线',
  'status.offline': '离线',
  'phase.start': '开始',
  'phase.update': '持续',
  'phase.end': '结束',
  'camera.intrusion': '入侵',
  'camera.person': '人员',
  'camera.vehicle': '车辆',
  'camera.loitering': '徘徊',
  'camera.fire': '火情',
  'camera.smoke': '烟雾',
  'camera.falling_object': '高空抛物',
  'camera.fire_lane_blocked': '消防通道占用',
  'camera.tamper': '设备遮挡',
  'camera.motion': '移动侦测',
  'legend.guards': '保安',
  'legend.vehicles': '车辆',
  'legend.cameras': '摄像头',
  'legend.checkpoints': '巡更点',
  'legend.buildings': '楼栋',
  'legend.alerts': '视频告警',
  'legend.perimeter': '周界',
  'legend.fireLane': '消防通道',
  'legend.carPark': '停车场',
  'legend.restricted': '禁区',
  // wall screen (map, kiosk, replay)
  'stale.camera': '摄像头数据中断 {duration}',
  'stale.patrol': '巡更数据中断 {duration}',
  'stale.gate': '道闸数据中断 {duration}',
  'stale.link': '实时数据连接中断 {duration}',
  'duration.s': '{s} 秒',
  'duration.m': '{m} 分钟',
  'duration.h': '{h} 小时 {m} 分钟',
  'theme.day': '日间',
  'theme.night': '夜间',
  'theme.label': '切换日间/夜间主题',
  'layers.title': '图层',
  'layer.buildings': '楼栋',
  'layer.labels': '名称',
  'layer.zones': '区域',
  'layer.checkpoints': '巡更点',
  'layer.guards': '保安',
  'layer.trails': '轨迹',
  'layer.vehicles': '车辆',
  'layer.cameras': '摄像头',
  'layer.alerts': '告警',
  'details.close': '关闭',
  'details.building': '楼栋',
  'details.camera': '摄像头',
  'details.guard': '保安',
  'details.vehicle': '车辆',
  'details.checkpoint': '巡更点',
  'details.floors': '楼层',
  'details.height': '高度',
  'details.use': '用途',
  'details.devices': '楼内设备',
  'details.events': '最近事件',
  'details.alerts': '未处理告警',
  'details.none': '无',
  'details.loading': '加载中…',
  'details.failed': '加载失败：{error}',
  'details.state': '状态',
  'details.lastVisit': '上次打卡',
  'details.lastSeen': '最后定位',
  'details.device': '设备',
  'details.never': '从未',
  'details.direction': '方向',
  'details.code': '标签',
  'details.building.of': '所在楼栋',
  'details.floorsValue': '{floors} 层',
  'details.heightValue': '{height} 米',
  'camState.ok': '正常',
  'camState.alerting': '告警中',
  'camState.offline': '离线',
  'cpState.fresh': '30 分钟内已巡',
  'cpState.due': '超过 30 分钟未巡',
  'cpState.overdue': '超过 2 小时未巡',
  'replay.open': '回放',
  'replay.close': '返回实时',
  'replay.loading': '正在加载最近 24 小时记录…',
  'replay.failed': '回放加载失败：{error}',
  'replay.play': '播放',
  'replay.pause': '暂停',
  'replay.speed': '速度',
  'replay.banner': '历史回放',
  'replay.records': '{n} 条记录',
  'replay.time': '回放时间',
  'replay.truncated': '记录过多，仅加载最近部分',
  'kiosk.renewFailed': '会话续期失败：{error}',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.title': '智慧小区',
  'app.subtitle': 'Smart Estate',
  'login.heading': 'Control room sign-in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.failed': 'Sign-in failed: {error}',
  'login.missing': 'Enter a username and a password',
  'session.expired': 'Your session expired or is invalid. Please sign in again.',
  'error.network': 'Cannot reach the server: {error}',
  'error.http': 'Server answered {status}',
  'header.estate': 'Estate',
  'header.logout': 'Sign out',
  'header.language': '中文',
  'header.languageLabel': 'Switch language',
  'conn.connected': 'Connected',
  'conn.connecting': 'Connecting…',
  'conn.offline': 'Disconnected',
  'conn.label': 'Live feed',
  'estate.loading': 'Loading estate…',
  'estate.failed': 'Could not load the estate: {error}',
  'estate.none': 'No estate available to this account',
  'panel.title': 'Latest events',
  'panel.empty': 'No events yet',
  'panel.time': 'Time',
  'panel.kind': 'Kind',
  'panel.device': 'Device',
  'panel.summary': 'Details',
  'kind.checkin': 'Check-in',
  'kind.camera': 'Camera',
  'kind.vehicle': 'Vehicle',
  'kind.position': 'Position',
  'kind.status': 'Status',
  'kind.alert': 'Alert',
  'summary.checkin': '{guard} @ {checkpoint}',
  'summary.camera': '{type} · score {score}',
  'summary.vehicle': '{plate} {direction}',
  'summary.position': '{guard} moved',
  'summary.status': '{online}',
  'summary.battery': ' · battery {battery}%',
  'summary.alert': '{title} · {severity} · {status}',
  'severity.info': 'info',
  'severity.warning': 'warning',
  'severity.major': 'major',
  'severity.critical': 'critical',
  'alertStatus.open': 'open',
  'alertStatus.acknowledged': 'acknowledged',
  'alertStatus.resolved': 'resolved',
  'direction.in': 'in',
  'direction.out': 'out',
  'status.online': 'online',
  'status.offline': 'offline',
  'phase.start': 'start',
  'phase.update': 'ongoing',
  'phase.end': 'end',
  'camera.intrusion': 'Intrusion',
  'camera.person': 'Person',
  'camera.vehicle': 'Vehicle',
  'camera.loitering': 'Loitering',
  'camera.fire': 'Fire',
  'camera.smoke': 'Smoke',
  'camera.falling_object': 'Falling object',
  'camera.fire_lane_blocked': 'Fire lane blocked',
  'camera.tamper': 'Tamper',
  'camera.motion': 'Motion',
  'legend.guards': 'Guards',
  'legend.vehicles': 'Vehicles',
  'legend.cameras': 'Cameras',
  'legend.checkpoints': 'Checkpoints',
  'legend.buildings': 'Buildings',
  'legend.alerts': 'Camera alerts',
  'legend.perimeter': 'Perimeter',
  'legend.fireLane': 'Fire lane',
  'legend.carPark': 'Car park',
  'legend.restricted': 'Restricted',
  // wall screen (map, kiosk, replay)
  'stale.camera': 'No camera data for {duration}',
  'stale.patrol': 'No patrol data for {duration}',
  'stale.gate': 'No gate data for {duration}',
  'stale.link': 'Live link down for {duration}',
  'duration.s': '{s} s',
  'duration.m': '{m} min',
  'duration.h': '{h} h {m} min',
  'theme.day': 'Day',
  'theme.night': 'Night',
  'theme.label': 'Switch day/night theme',
  'layers.title': 'Layers',
  'layer.buildings': 'Buildings',
  'layer.labels': 'Names',
  'layer.zones': 'Zones',
  'layer.checkpoints': 'Checkpoints',
  'layer.guards': 'Guards',
  'layer.trails': 'Trails',
  'layer.vehicles': 'Vehicles',
  'layer.cameras': 'Cameras',
  'layer.alerts': 'Alerts',
  'details.close': 'Close',
  'details.building': 'Building',
  'details.camera': 'Camera',
  'details.guard': 'Guard',
  'details.vehicle': 'Vehicle',
  'details.checkpoint': 'Checkpoint',
  'details.floors': 'Floors',
  'details.height': 'Height',
  'details.use': 'Use',
  'details.devices': 'Devices here',
  'details.events': 'Recent events',
  'details.alerts': 'Open alerts',
  'details.none': 'None',
  'details.loading': 'Loading…',
  'details.failed': 'Could not load: {error}',
  'details.state': 'State',
  'details.lastVisit': 'Last check-in',
  'details.lastSeen': 'Last position',
  'details.device': 'Device',
  'details.never': 'never',
  'details.direction': 'Direction',
  'details.code': 'Tag',
  'details.building.of': 'Building',
  'details.floorsValue': '{floors} floors',
  'details.heightValue': '{height} m',
  'camState.ok': 'OK',
  'camState.alerting': 'Alerting',
  'camState.offline': 'Offline',
  'cpState.fresh': 'visited within 30 min',
  'cpState.due': 'not visited for 30 min',
  'cpState.overdue': 'not visited for 2 h',
  'replay.open': 'Replay',
  'replay.close': 'Back to live',
  'replay.loading': 'Loading the last 24 hours…',
  'replay.failed': 'Replay failed: {error}',
  'replay.play': 'Play',
  'replay.pause': 'Pause',
  'replay.speed': 'Speed',
  'replay.banner': 'REPLAY',
  'replay.records': '{n} records',
  'replay.time': 'Replay time',
  'replay.truncated': 'Too many records: only the latest part loaded',
  'kiosk.renewFailed': 'Could not renew the session: {error}',
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en };
const STORAGE_KEY = 'smart-estate.lang';

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Looks a key up and fills `{name}` placeholders. Unknown placeholders stay visible, so a gap shows. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const template = dictionaries[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Has the dictionary a key of this name? (for values that come from the wire, e.g. camera types) */
export function isMessageKey(key: string): key is MessageKey {
  return key in zh;
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage can be disabled; the default is fine
  }
  return 'zh-CN';
}

let current: Lang = typeof window === 'undefined' ? 'zh-CN' : initialLang();
const listeners = new Set<() => void>();

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = lang;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current language and a translator bound to it; re-renders when the language changes. */
export function useI18n(): { lang: Lang; t: Translate } {
  const lang = useSyncExternalStore(subscribe, getLang);
  return { lang, t: (key, params) => translate(lang, key, params) };
}
