// The supervisors' web app in a real headless Chromium against the real `perisai-server` and real
// devices (the `perisai` desktop shell on the same core the phones run):
//
// - a supervisor logs in, reviews a synced batch, approves one enrollment (from the keyboard) and
//   rejects another with a reason; the device's next sync brings both decisions and the payment
//   code (kode iuran) shown on the enrollment page;
// - nothing of branch B is reachable by the supervisor of branch A through any URL tried here
//   (every one of branch B's own pages, as its supervisor sees them, and a decision POST);
// - an agent name holding HTML and script is shown as text, never run;
// - a POST without a valid CSRF token is refused;
// - the payment channel's CSV uploaded through the page reaches the device as a paid receipt,
//   and a line naming another branch's participant is refused as unknown;
// - screenshots of the main pages go to docs/screenshots/.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { Server, Device, PASSWORD, repo } from './harness.mjs';

const screenshots = path.join(repo, 'docs', 'screenshots');
const HOSTILE_AGENT = 'Rahmat <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';

async function launch() {
  const executablePath = process.env.PERISAI_CHROMIUM;
  assert.ok(executablePath, 'PERISAI_CHROMIUM is set by scripts/web-tests.sh');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

async function logIn(browser, server, email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('[data-test=email]', email);
  await page.fill('[data-test=password]', PASSWORD);
  await page.click('[data-test=login-submit]');
  await page.waitForURL(/\/review/);
  return page;
}

async function shot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** The hrefs of the links a page shows, absolute. */
async function links(page, selector) {
  return page.locator(selector).evaluateAll((as) => as.map((a) => a.href));
}

test('a supervisor reviews a synced batch and the device receives the decisions', async (t) => {
  const server = new Server();
  t.after(() => server.stop());
  const a = server.seedBranch('KC01', 'Bogor', HOSTILE_AGENT);
  const b = server.seedBranch('KC02', 'Depok', 'Yusuf Depok');
  await server.start();

  const phoneA = new Device(server);
  phoneA.activate(a.agent);
  const siti = phoneA.enroll({ nik: '3201015501900001', name: 'Siti Rahayu', sex: 'F', phone: '081234567801' });
  const budi = phoneA.enroll({ nik: '3201011501900002', name: 'Budi Santoso', sex: 'M', phone: '081234567802' });
  assert.equal(siti.status, 'queued', JSON.stringify(siti));
  assert.equal(budi.status, 'queued', JSON.stringify(budi));
  phoneA.sync();

  const phoneB = new Device(server);
  phoneB.activate(b.agent);
  const dewi = phoneB.enroll({ nik: '3276015501910003', name: 'Dewi Kusuma', sex: 'F', birthDate: '1991-01-15', phone: '081234567803' });
  phoneB.sync();

  const browser = await launch();
  t.after(() => browser.close());

  // Branch B's supervisor collects the URLs of B's own pages: what A will try.
  const pageB = await logIn(browser, server, b.email);
  await assert.doesNotReject(pageB.locator('[data-test=queue-row]', { hasText: 'DEWI KUSUMA' }).waitFor());
  const branchBUrls = [
    ...(await links(pageB, '[data-test=queue-row] a')),
    `${server.url}/agents/${encodeURIComponent(b.agent)}`,
  ];
  const bEnrollment = branchBUrls.find((u) => u.includes('/enrollments/'));
  const bBatch = branchBUrls.find((u) => u.includes('/batches/'));
  assert.ok(bEnrollment && bBatch, branchBUrls.join(' '));
  await pageB.context().close();

  // Log in as the supervisor of branch A.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${server.url}/login`);
  await shot(page, 'login');
  await page.fill('[data-test=email]', a.email);
  await page.fill('[data-test=password]', 'not the password');
  await page.click('[data-test=login-submit]');
  await assert.doesNotReject(page.locator('[data-test=flash]').waitFor());
  await page.fill('[data-test=email]', a.email);
  await page.fill('[data-test=password]', PASSWORD);
  await page.click('[data-test=login-submit]');
  await page.waitForURL(/\/review/);

  // The queue (names as the core normalises them): A's two enrollments, nothing of B; NIKs masked; the hostile agent name as text.
  const rows = page.locator('[data-test=queue-row]');
  assert.equal(await rows.count(), 2);
  const queueText = await page.locator('[data-test=queue]').innerText();
  assert.match(queueText, /SITI RAHAYU/);
  assert.match(queueText, /BUDI SANTOSO/);
  assert.doesNotMatch(queueText, /DEWI KUSUMA/);
  assert.doesNotMatch(await page.content(), /3201015501900001/, 'the NIK is masked');
  assert.ok(queueText.includes(HOSTILE_AGENT), 'the agent name is shown literally');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no injected script ran');
  assert.equal(await page.locator('[data-test=queue] script, [data-test=queue] img').count(), 0);
  await shot(page, 'review-queue');

  // The batch view of the synced batch.
  const batchUrl = (await links(page, '[data-test=queue-row] a')).find((u) => u.includes('/batches/'));
  await page.goto(batchUrl);
  assert.equal(await page.locator('[data-test=batch-row]').count(), 2);
  await shot(page, 'batch');
  await page.goto(`${server.url}/review`);

  // Approve Siti from the keyboard: j moves to her row, a approves.
  const names = await rows.locator('[data-test=open]').allInnerTexts();
  const sitiIndex = names.indexOf('SITI RAHAYU');
  assert.notEqual(sitiIndex, -1, names.join(', '));
  for (let i = 0; i <= sitiIndex; i += 1) await page.keyboard.press('j');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('a')]);
  await assert.doesNotReject(page.locator('[data-test=flash]').waitFor());

  // Reject Budi with a reason, with the mouse.
  const budiRow = page.locator('[data-test=queue-row]', { hasText: 'BUDI SANTOSO' });
  await budiRow.locator('[data-test=reason]').fill('Foto KTP tidak terbaca');
  await Promise.all([page.waitForNavigation(), budiRow.locator('[data-test=reject]').click()]);

  // Both decisions show; Siti's page carries her payment code.
  await page.goto(`${server.url}/review?status=all`);
  const sitiUrl = await page.locator('[data-test=queue-row]', { hasText: 'SITI RAHAYU' }).locator('[data-test=open]').getAttribute('href');
  await page.goto(`${server.url}${sitiUrl}`);
  const paymentCode = (await page.locator('[data-test=payment-code]').innerText()).trim();
  assert.match(paymentCode, /^\d{12}$/);
  await shot(page, 'enrollment');
  await page.click('[data-test=reveal]');
  assert.equal((await page.locator('[data-test=nik]').innerText()).trim(), '3201015501900001');

  // The device's next sync brings both decisions and the payment code.
  phoneA.sync();
  const listed = phoneA.run(['list']);
  const state = (id) => listed.find((r) => r.id === id)?.state;
  assert.equal(state(siti.id), 'approved', JSON.stringify(listed));
  assert.equal(state(budi.id), 'rejected_by_review', JSON.stringify(listed));
  const cards = phoneA.run(['participants']);
  const card = cards.find((c) => c.record_id === siti.id);
  assert.equal(card?.payment_code, paymentCode, JSON.stringify(cards));

  // The payment channel's confirmations, uploaded through the page: Siti's line is imported, a
  // line naming branch B's record is refused as unknown (as if absent); the device then shows the
  // receipt as paid.
  const todayWib = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const csvPath = path.join(phoneA.dataDir, 'pembayaran.csv');
  writeFileSync(csvPath, [
    'payment_ref,nik,contribution_month,amount,paid_at',
    `BANK-001,${paymentCode},${todayWib.slice(0, 7)},100000,${todayWib}`,
    `BANK-002,${dewi.id},${todayWib.slice(0, 7)},100000,${todayWib}`,
  ].join('\n') + '\n');
  await page.goto(`${server.url}/payments`);
  await page.setInputFiles('[data-test=import-form] input[type=file]', csvPath);
  await Promise.all([page.waitForNavigation(), page.click('[data-test=import-submit]')]);
  assert.equal((await page.locator('[data-test=import-imported]').innerText()).trim(), '1');
  const refusedLines = page.locator('[data-test=import-error]');
  assert.equal(await refusedLines.count(), 1);
  assert.equal(await refusedLines.first().getAttribute('data-code'), 'participant.unknown');
  await shot(page, 'payments');
  phoneA.sync();
  const receipt = phoneA.run(['receipt', siti.id]);
  assert.equal(receipt.paid, true, JSON.stringify(receipt));
  await page.goto(`${server.url}/statements/${encodeURIComponent(a.agent)}`);
  assert.equal(await page.locator('[data-test=statement-line]').count() > 0, true);
  await shot(page, 'statement');

  // Nothing of branch B through any URL: each of B's pages answers 404 to A, as if absent.
  for (const url of branchBUrls) {
    const response = await page.request.get(url);
    assert.equal(response.status(), 404, url);
    assert.doesNotMatch(await response.text(), /DEWI KUSUMA/, url);
  }
  // Not even with B's record id under A's branch code, nor as a filter, nor in the export.
  const bId = bEnrollment.split('/').pop();
  assert.equal((await page.request.get(`${server.url}/enrollments/KC01/${bId}`)).status(), 404);
  const filtered = await page.request.get(`${server.url}/review?agent=${encodeURIComponent(b.agent)}&status=all`);
  assert.doesNotMatch(await filtered.text(), /DEWI KUSUMA/);
  const exported = await page.request.get(`${server.url}/export.csv`);
  assert.equal(exported.status(), 200);
  assert.doesNotMatch(await exported.text(), new RegExp(bId));
  // A decision POST on B's record with A's own valid CSRF token: 404, and B's record stays open.
  await page.goto(`${server.url}/review`);
  const csrf = await page.locator('input[name=csrf]').first().inputValue().catch(() => '');
  const posted = await page.request.post(`${bEnrollment}/decision`, {
    form: { csrf, decision: 'approved', reason: '' },
    maxRedirects: 0,
  });
  assert.equal(posted.status(), 404);
  phoneB.sync();
  const bListed = phoneB.run(['list']);
  assert.equal(bListed.find((r) => r.id === dewi.id)?.state, 'accepted', JSON.stringify(bListed));

  // A POST without a valid CSRF token is refused, and changes nothing.
  const budiUrl = `${server.url}${sitiUrl.replace(siti.id, budi.id)}`;
  for (const form of [{ decision: 'approved' }, { decision: 'approved', csrf: 'forged-token' }]) {
    const refused = await page.request.post(`${budiUrl}/reverse`, { form: { ...form, reason: 'x' }, maxRedirects: 0 });
    assert.equal(refused.status(), 403, JSON.stringify(form));
  }
  await page.goto(budiUrl);
  assert.match(await page.locator('[data-test=status]').innerText(), /Ditolak/);

  // The other main pages, for the screenshots (and a language switch).
  for (const [name, url] of [['duplicates', '/duplicates'], ['flags', '/flags'], ['agents', '/agents'], ['statements', '/statements'], ['audit', '/audit']]) {
    const response = await page.goto(`${server.url}${url}`);
    assert.equal(response.status(), 200, url);
    assert.equal(await page.evaluate(() => window.__xss), undefined, url);
    await shot(page, name);
  }
  assert.match(await page.locator('[data-test=audit]').innerText(), /reveal/i, 'the reveal is in the audit log');
  await page.goto(`${server.url}/agents/${encodeURIComponent(a.agent)}`);
  await shot(page, 'agent');
  await page.click('[data-test=lang-switch]');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.deepEqual(pageErrors, []);
});
