// The side panel's one-line summaries, in both languages.
import { describe, expect, it } from 'vitest';
import { translate, type Lang, type MessageKey, type Params } from '../../web/src/app/i18n.ts';
import type { PanelEvent } from '../../web/src/live/live-store.ts';
import { deviceLabel, summarize, type EstateNames } from '../../web/src/panels/event-summary.ts';

const names: EstateNames = { checkpoints: new Map([['cp-1', '东门'], ['NFC-1', '东门']]), devices: new Map([['gate-s', '南门道闸']]) };
const t = (lang: Lang) => (key: MessageKey, params?: Params) => translate(lang, key, params);
const ev = (kind: PanelEvent['kind'], data: PanelEvent['data'], device = 'dev-1'): PanelEvent => ({ key: 'k', kind, device, ts: 0, data });

describe('summarize', () => {
  it('says who checked in where, by checkpoint name', () => {
    expect(summarize(ev('checkin', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' }), t('zh-CN'), names)).toBe('张伟 @ 东门');
    expect(summarize(ev('checkin', { guard: '张伟', checkpoint: 'NFC-1', method: 'nfc' }), t('en'), names, 'en')).toBe('张伟 @ 东门');
    expect(summarize(ev('checkin', { guard: 'Li', checkpoint: 'unknown-cp', method: 'qr' }), t('en'), names, 'en')).toBe('Li @ unknown-cp');
  });

  it('names camera detections and their score', () => {
    expect(summarize(ev('camera', { type: 'falling_object', phase: 'start', score: 0.876 }), t('zh-CN'), names)).toBe('高空抛物 · 置信度 0.88');
    expect(summarize(ev('camera', { type: 'intrusion', phase: 'end', score: 0.9 }), t('en'), names, 'en')).toBe('Intrusion · score 0.90 · end');
    expect(summarize(ev('camera', { type: 'new_ai_type', phase: 'start', score: 1 }), t('en'), names, 'en')).toBe('new_ai_type · score 1.00');
  });

  it('gives plate and direction for vehicles', () => {
    expect(summarize(ev('vehicle', { plate: '沪A12345', direction: 'in', confidence: 0.9 }), t('zh-CN'), names)).toBe('沪A12345 入场');
    expect(summarize(ev('vehicle', { plate: '沪A12345', direction: 'out', confidence: 0.9 }), t('en'), names, 'en')).toBe('沪A12345 out');
  });

  it('shows device status with battery', () => {
    expect(summarize(ev('status', { online: false, battery: 12.4 }), t('zh-CN'), names)).toBe('离线 · 电量 12%');
  });

  it('shows alerts in the operator\'s language', () => {
    const alert = ev('alert', { title: 'Missed checkpoint', titleZh: '漏巡', severity: 'major', status: 'open' });
    expect(summarize(alert, t('zh-CN'), names, 'zh-CN')).toBe('漏巡 · 重要 · 待处理');
    expect(summarize(alert, t('en'), names, 'en')).toBe('Missed checkpoint · major · open');
  });

  it('labels devices by their configured name', () => {
    expect(deviceLabel('gate-s', names)).toBe('南门道闸');
    expect(deviceLabel('handheld-9', names)).toBe('handheld-9');
  });
});
