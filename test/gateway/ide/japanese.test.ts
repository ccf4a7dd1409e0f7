import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { renderIdePage } from '../../../gateway/ide/page';

/** Issue 15.8: the IDE page is Japanese first (with English), and the times it shows are JST with the offset. */

const IDE_DIR = path.join(__dirname, '..', '..', '..', 'gateway', 'ide');

test('the page is Japanese first, with English beside every label', () => {
  const html = renderIdePage({ endpoint: '/graphql', defaultQuery: '' });
  expect(html).toContain('<html lang="ja">');
  for (const label of ['トークン / Token', '利用目的（事務） / Purpose (X-Purpose)', 'トークンを使う / Use token', 'トークンを消去 / Forget token', 'IDE を読み込んでいます… / Loading the IDE…']) expect(html).toContain(label);
  // Purposes by their Japanese name first (住民基本台帳事務 …).
  expect(html).toMatch(/<option value="resident-registry">[^<]*[\u3040-\u30ff\u4e00-\u9fff][^<]* \/ [A-Za-z]/);
  // The time formatter loads before the client that uses it.
  expect(html.indexOf('/ide/ide-time.js')).toBeGreaterThan(0);
  expect(html.indexOf('/ide/ide-time.js')).toBeLessThan(html.indexOf('/ide/ide-client.js'));
});

test('a token expiry (UTC seconds) is shown in JST with +09:00, whatever the terminal’s zone', () => {
  const window: { wardIdeTime?: { formatJst(ms: number): string } } = {};
  vm.runInNewContext(fs.readFileSync(path.join(IDE_DIR, 'ide-time.js'), 'utf8'), { window });
  expect(window.wardIdeTime!.formatJst(Date.UTC(2026, 11, 4, 9, 30, 0))).toBe('2026-12-04 18:30:00 JST (+09:00)');
  // Past midnight in Japan while still the previous day in UTC.
  expect(window.wardIdeTime!.formatJst(Date.parse('2026-12-31T15:00:00Z'))).toBe('2027-01-01 00:00:00 JST (+09:00)');
});

test('the client’s messages are Japanese first, and it formats the expiry with the JST formatter (no toLocaleString)', () => {
  const client = fs.readFileSync(path.join(IDE_DIR, 'ide-client.js'), 'utf8');
  expect(client).toContain('トークンがありません');
  expect(client).toContain('有効期限 / expires');
  expect(client).toContain('wardIdeTime.formatJst(');
  expect(client).not.toContain('toLocaleString');
});
