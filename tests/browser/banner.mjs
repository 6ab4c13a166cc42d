// The banner checks in headless Chromium (puppeteer-core driving Debian's chromium), run by
// scripts/browser-test.sh against upstream's app built with the banner, served by nginx:
//   BANNER_URL   the app behind upstream's nginx.conf plus frontend/nginx-health.conf
//   PLAIN_URL    the same build behind upstream's nginx.conf alone (health URL -> index.html)
//   HEALTH_URL   bamort-health itself (to read what the banner should say)
//   MIGRATE      a script that runs bamort-migrate on the database behind bamort-health
//   CHROMIUM     the browser binary
// Every wait ends on an event (a selector, a poll seen); its timeout only turns a hang into
// a failure. Prints one line per check and "browser: N passed, N failed".
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import puppeteer from 'puppeteer-core';

const env = (name) => process.env[name] || (console.error(`banner.mjs: ${name} is not set`), process.exit(2));
const [bannerUrl, plainUrl, healthUrl] = [env('BANNER_URL'), env('PLAIN_URL'), env('HEALTH_URL')];
const LOG_PREFIX = '[bamort system-health]';
const WAIT = { timeout: 60000 };
let passed = 0;
let failed = 0;

function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'FAILED'} - ${name}${ok ? '' : `: ${detail}`}`);
}

// A fresh connection each time: bamort-health closes idle keep-alive connections after 5 s.
function health() {
  return new Promise((resolve, reject) => {
    http.get(healthUrl, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

// A page of the app with localStorage 'language' set before the app starts; counts the
// health polls it makes and keeps our console lines.
async function openApp(browser, url, language) {
  const page = await browser.newPage();
  const seen = { polls: [], logs: [] };
  page.on('console', (m) => {
    if (m.text().includes(LOG_PREFIX)) seen.logs.push(m.text());
  });
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/system/health') seen.polls.push(r.headers()['content-type'] || '');
  });
  await page.evaluateOnNewDocument((l) => localStorage.setItem('language', l), language);
  await page.goto(url, { waitUntil: 'load' });
  return { page, seen };
}

// The banner's texts: [class, title, ...details], or null when there is none.
async function banner(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.system-alert');
    if (!el) return null;
    return [el.className.split(' ').find((c) => c.startsWith('system-alert--')),
      ...[...el.querySelectorAll('.system-alert__title, .system-alert__detail')].map((e) => e.textContent)];
  });
}

async function waitForPolls(app, n) {
  const start = app.seen.polls.length;
  const deadline = Date.now() + WAIT.timeout;
  while (app.seen.polls.length < start + n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return app.seen.polls.length - start;
}

async function appRendered(page) {
  // upstream's App.vue root with its <main> and the landing page inside, the banner first.
  return page.evaluate(() => {
    const main = document.querySelector('#app main.main-content');
    return Boolean(main && main.children.length > 0);
  });
}

const browser = await puppeteer.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync',
    '--disable-background-networking', '--disable-component-update',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
});
try {
  const before = await health();
  const { backend_version: backend, required_db_version: required, pending_count: pending } = before;
  check('bamort-health says the database is behind', before.status === 'warning' && pending > 0, JSON.stringify(before));

  const de = await openApp(browser, bannerUrl, 'de');
  await de.page.waitForSelector('.system-alert--behind', WAIT).catch(() => {});
  const deWant = ['system-alert--behind', 'Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.',
    before.actual_db_version == null ? `Backend ${backend}, Datenbank ohne Versionsangabe (benötigt ${required})`
      : `Backend ${backend}, Datenbank ${before.actual_db_version} (benötigt ${required})`,
    `Ausstehende Migrationen: ${pending}`];
  const deGot = await banner(de.page);
  check('German warning in upstream\'s app (language "de")', JSON.stringify(deGot) === JSON.stringify(deWant),
    `got ${JSON.stringify(deGot)}, want ${JSON.stringify(deWant)}`);
  check('upstream\'s app rendered around the banner', await appRendered(de.page), 'no main.main-content content');
  const merged = await de.page.evaluate(() => {
    const app = document.querySelector('#app').__vue_app__;
    const g = app && app.config.globalProperties;
    return Boolean(g && g.$te && g.$te('systemHealth.behind', 'de') && g.$te('systemHealth.behind', 'en'));
  });
  check('the texts come from the app\'s vue-i18n (systemHealth.* merged into src/locales/de and en)', merged,
    'systemHealth.behind is not a key of the app\'s i18n');

  const en = await openApp(browser, bannerUrl, 'en');
  await en.page.waitForSelector('.system-alert--behind', WAIT).catch(() => {});
  const enGot = await banner(en.page);
  check('English warning (language "en")', enGot && enGot[1] === 'Database migration required. Please contact the administrator.' &&
    enGot[3] === `Pending migrations: ${pending}`, `got ${JSON.stringify(enGot)}`);
  await en.page.close();

  execFileSync(env('MIGRATE'), { stdio: ['ignore', 'ignore', 'pipe'] });
  // bamort-health answers from its cache for up to --refresh (1 s here) after the last read,
  // and a migrate of an empty database can finish within that second: ask until the cache
  // has been read again after the migrate (at most 10 s), as the banner's own poll does.
  let after = await health();
  for (let i = 0; i < 50 && after.status !== 'ok'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    after = await health();
  }
  check('bamort-migrate made the database compatible', after.status === 'ok', JSON.stringify(after));
  await de.page.waitForSelector('.system-alert--updated', WAIT).catch(() => {});
  const updated = await banner(de.page);
  const updatedWant = ['system-alert--updated', `System aktualisiert auf Version ${after.actual_db_version}`];
  check('the warning turned into "System aktualisiert auf Version X"', JSON.stringify(updated) === JSON.stringify(updatedWant),
    `got ${JSON.stringify(updated)}, want ${JSON.stringify(updatedWant)}`);
  await de.page.waitForFunction(() => !document.querySelector('.system-alert'), WAIT).catch(() => {});
  const gone = await banner(de.page);
  const pollsAfter = await waitForPolls(de, 3);
  const stillGone = await banner(de.page);
  check('the update banner went away by itself and stayed away', gone === null && stillGone === null && pollsAfter >= 3,
    `banner ${JSON.stringify(gone)} then ${JSON.stringify(stillGone)} after ${pollsAfter} polls`);
  await de.page.close();

  const plain = await openApp(browser, plainUrl, 'de');
  const polls = await waitForPolls(plain, 3);
  const plainBanner = await banner(plain.page);
  check('health URL answering index.html (upstream nginx alone): no banner, one console log',
    polls >= 3 && plain.seen.polls.every((t) => t.startsWith('text/html')) && plainBanner === null &&
      plain.seen.logs.length === 1 && (await appRendered(plain.page)),
    `polls ${JSON.stringify(plain.seen.polls)}, banner ${JSON.stringify(plainBanner)}, logs ${JSON.stringify(plain.seen.logs)}`);
  if (plain.seen.logs.length) console.log(`  console: ${plain.seen.logs[0]}`);
} catch (e) {
  check('browser run', false, e.stack);
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
