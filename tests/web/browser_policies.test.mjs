// What the server asks of the browser, checked in a real Chromium rather than by reading headers:
//
// - SameSite=Strict: a page of another site (http://localhost:PORT, while the app is at
//   http://127.0.0.1:PORT: another host is another site) that links to the app or posts a
//   decision to it reaches the app without the supervisor's session cookie, so it lands on the
//   login page and decides nothing;
// - the Content-Security-Policy: on a signed-in page, an inline script and an inline event
//   handler injected into the page do not run.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chromium } from 'playwright-core';

import { Server, Device, PASSWORD } from './harness.mjs';

async function launch() {
  const executablePath = process.env.PERISAI_CHROMIUM;
  assert.ok(executablePath, 'PERISAI_CHROMIUM is set by scripts/web-tests.sh');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/** A page of another site: serves `html` at http://localhost:PORT/. */
async function otherSite(html) {
  const site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => site.listen(0, 'localhost', resolve));
  return { url: `http://localhost:${site.address().port}/`, close: () => site.close() };
}

test('a page of another site reaches the app without the session, and injected script does not run', async (t) => {
  const server = new Server();
  t.after(() => server.stop());
  const branch = server.seedBranch('KC05', 'Sukabumi', 'Agen Sukabumi');
  await server.start();
  const phone = new Device(server);
  phone.activate(branch.agent);
  const record = phone.enroll({ nik: '3202014501900001', name: 'Ani Lestari', sex: 'F', phone: '081234567805' });
  phone.sync();

  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('[data-test=email]', branch.email);
  await page.fill('[data-test=password]', PASSWORD);
  await page.click('[data-test=login-submit]');
  await page.waitForURL(/\/review/);
  const decisionUrl = `${server.url}/enrollments/KC05/${record.id}/decision`;

  // A link on another site, followed: the app sees no session.
  const linking = await otherSite(`<a id="go" href="${server.url}/review">Tinjauan</a>`);
  t.after(() => linking.close());
  const away = await context.newPage();
  await away.goto(linking.url);
  await away.click('#go');
  await away.waitForURL(/\/login$/);
  // The same link typed in the app's own tab still has the session.
  await page.goto(`${server.url}/review`);
  assert.match(page.url(), /\/review$/);

  // A form on another site that posts a decision on load (with the page's own token even, as if
  // it had been stolen): the POST arrives without the session cookie and decides nothing.
  const token = await page.locator('input[name=csrf]').first().inputValue();
  const posting = await otherSite(`<form id="f" method="post" action="${decisionUrl}">
      <input name="decision" value="approved"><input name="csrf" value="${token}"></form>
      <script>document.getElementById('f').submit()</script>`);
  t.after(() => posting.close());
  const attack = await context.newPage();
  await attack.goto(posting.url);
  await attack.waitForURL(/\/login$/);
  await page.goto(`${server.url}/enrollments/KC05/${record.id}`);
  assert.equal(await page.locator('[data-test=status]').innerText(), 'Diterima', 'the record is still waiting for a decision');
  assert.equal(await page.locator('form[action$="/decision"]').count(), 1);

  // The CSP: neither an inline script nor an inline handler added to a signed-in page runs.
  await page.goto(`${server.url}/review`);
  await page.addScriptTag({ content: 'window.__inline = 1' }).catch(() => {});
  await page.evaluate(() => {
    document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.__handler = 1" onload="window.__handler = 2">');
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__inline), undefined, 'an inline script ran');
  assert.equal(await page.evaluate(() => window.__handler), undefined, 'an inline handler ran');
  // The app's own script (from 'self') did load: the policy is not simply blocking everything.
  assert.ok(await page.evaluate(() => [...document.scripts].some((s) => s.src.endsWith('/static/app.js'))));
});
