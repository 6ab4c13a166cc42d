// The banner logic (classification, state machine, texts, polling, the one console
// warning) and both ways to show it: the Vue component, with a real vue-i18n instance and
// without one, and the plain-JS mount. fetch is replaced by answers shaped exactly like
// bamort-health's (docs/HEALTH.md); timers are fake. The real app in a real browser:
// scripts/browser-test.sh.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import SystemAlert from '../SystemAlert.vue';
import de from '../locales/de.js';
import en from '../locales/en.js';
import {
  classifyHealth,
  createSystemHealthPoller,
  describeBanner,
  initialState,
  mountSystemHealthBanner,
  nextState,
  pollHealth,
  translate,
} from '../system-health.js';

const base = {
  backend_version: '0.2.2',
  required_db_version: '0.5.0',
  compatibility_reason: '',
  last_migration: null,
  timestamp: '2026-01-01T00:00:00.000Z',
  pending_migrations: [],
  migration_needed: false,
  compatible: false,
};
const OK = { ...base, status: 'ok', actual_db_version: '0.5.0', migrations_pending: false, pending_count: 0, compatible: true };
const BEHIND = { ...base, status: 'warning', actual_db_version: null, migrations_pending: true, pending_count: 12,
  migration_needed: true, compatibility_reason: 'database version none (migration 0), required 0.5.0 (migration 12)' };
const AHEAD = { ...base, status: 'error', actual_db_version: '0.6.0', migrations_pending: false, pending_count: 0,
  compatibility_reason: 'the database is at migration 14 (version 0.6.0), newer than this build knows' };
const DIRTY = { ...base, status: 'error', actual_db_version: '0.4.0', migrations_pending: true, pending_count: 2,
  compatibility_reason: 'migration 11 (x) did not finish: Duplicate entry' };
const UNREACHABLE = { ...base, status: 'error', actual_db_version: null, migrations_pending: null, pending_count: null,
  compatibility_reason: 'database unreachable (MariaDB error 2002)' };
const HTML = '<!DOCTYPE html><html lang=""><head><title>BaMoRT</title></head><body><div id="app"></div></body></html>';

// A fetch that serves the queued answers in order (the last one repeats); each entry is a
// health body, an Error, the string HTML (200 text/html, as upstream's nginx answers), or [code, body].
function fakeFetch(queue) {
  const fn = vi.fn(() => {
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next instanceof Error) return Promise.reject(next);
    if (next === HTML) return Promise.resolve({ status: 200, json: () => Promise.reject(new SyntaxError('Unexpected token <')) });
    const [status, body] = Array.isArray(next) ? next : [next.status === 'error' ? 503 : 200, next];
    return Promise.resolve({ status, json: () => Promise.resolve(body) });
  });
  return fn;
}

describe('classifyHealth and pollHealth', () => {
  it('tells behind, ahead and dirty apart and treats everything else as a failed poll', async () => {
    expect(classifyHealth(OK).kind).toBe('ok');
    expect(classifyHealth(BEHIND).kind).toBe('behind');
    expect(classifyHealth(AHEAD).kind).toBe('ahead');
    expect(classifyHealth(DIRTY).kind).toBe('dirty');
    expect(classifyHealth({ ...DIRTY, pending_count: 0, actual_db_version: '0.5.0' }).kind).toBe('dirty'); // drifted
    expect(classifyHealth(UNREACHABLE)).toEqual({ kind: 'failed',
      reason: 'database not readable: database unreachable (MariaDB error 2002)' });
    expect((await pollHealth('/h', fakeFetch([HTML]))).kind).toBe('failed');
    expect((await pollHealth('/h', fakeFetch([[404, { status: 'error' }]]))).reason).toBe('HTTP 404');
    expect((await pollHealth('/h', fakeFetch([new TypeError('offline')]))).kind).toBe('failed');
    expect((await pollHealth('/h', fakeFetch([[200, { hello: 1 }]]))).kind).toBe('failed');
    expect((await pollHealth('/h', fakeFetch([AHEAD]))).kind).toBe('ahead');
  });
});

describe('nextState and describeBanner', () => {
  it('shows nothing while ok, the warning while behind, the update banner once fixed', () => {
    let s = nextState(initialState(), { kind: 'ok', health: OK });
    expect(describeBanner(s)).toBe(null);
    s = nextState(s, { kind: 'behind', health: BEHIND });
    expect(describeBanner(s)).toEqual({ kind: 'behind', title: ['behind'], details: [
      ['versionsNoDb', { backend: '0.2.2', required: '0.5.0' }], ['pending', { count: 12 }]] });
    s = nextState(s, { kind: 'failed' });
    expect(s.banner).toBe('behind'); // a failed poll changes nothing on screen
    s = nextState(s, { kind: 'ok', health: OK });
    expect(describeBanner(s)).toEqual({ kind: 'updated', title: ['updated', { version: '0.5.0' }], details: [] });
  });
});

describe('texts', () => {
  const t = (lang, view) => [translate(lang, ...view.title), ...view.details.map(([k, p]) => translate(lang, k, p))];
  const show = (health) => describeBanner(nextState(initialState(), classifyHealth(health)));

  it('has German and English texts for behind, ahead, dirty and updated', () => {
    expect(t('de', show(BEHIND))).toEqual(['Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.',
      'Backend 0.2.2, Datenbank ohne Versionsangabe (benötigt 0.5.0)', 'Ausstehende Migrationen: 12']);
    expect(t('en-GB', show(BEHIND))).toEqual(['Database migration required. Please contact the administrator.',
      'Backend 0.2.2, database without a version (requires 0.5.0)', 'Pending migrations: 12']);
    expect(t('de', show(AHEAD))).toEqual(['Die Datenbank ist neuer als diese Bamort-Version. Bitte kontaktieren Sie den Administrator.',
      'Backend 0.2.2, Datenbank 0.6.0 (benötigt 0.5.0)']);
    expect(t('en', show(AHEAD))).toEqual(['The database is newer than this Bamort version. Please contact the administrator.',
      'Backend 0.2.2, database 0.6.0 (requires 0.5.0)']);
    expect(t('de', show(DIRTY))).toEqual(['Die Datenbank ist in einem unvollständigen Zustand. Bitte kontaktieren Sie den Administrator.',
      'Backend 0.2.2, Datenbank 0.4.0 (benötigt 0.5.0)']);
    expect(t('en', show(DIRTY))).toEqual(['The database is in an incomplete state. Please contact the administrator.',
      'Backend 0.2.2, database 0.4.0 (requires 0.5.0)']);
    expect(translate('de', 'updated', { version: '0.5.0' })).toBe('System aktualisiert auf Version 0.5.0');
    expect(translate('en', 'updated', { version: '0.5.0' })).toBe('System updated to version 0.5.0');
    // Same keys in both languages; the server's English reason is never shown.
    expect(Object.keys(en.systemHealth)).toEqual(Object.keys(de.systemHealth));
  });
});

describe('the state field (bamort-health with `state`)', () => {
  const show = (health) => describeBanner(nextState(initialState(), classifyHealth(health)));
  // Ahead by migration number alone: same version, so the old inference called it dirty.
  const AHEAD_BY_NUMBER = { ...base, status: 'error', state: 'ahead', actual_db_version: '0.5.0',
    migrations_pending: false, pending_count: 0,
    compatibility_reason: 'database version 0.5.0 (migration 13), required 0.5.0 (migration 12): the database is ahead' };

  it('decides the banner from state, whatever the versions suggest', () => {
    expect(classifyHealth({ ...AHEAD_BY_NUMBER, state: undefined }).kind).toBe('dirty'); // the old inference
    expect(classifyHealth(AHEAD_BY_NUMBER).kind).toBe('ahead');
    expect(classifyHealth({ ...OK, state: 'compatible' }).kind).toBe('ok');
    expect(classifyHealth({ ...BEHIND, state: 'behind' }).kind).toBe('behind');
    expect(classifyHealth({ ...AHEAD, state: 'ahead' }).kind).toBe('ahead');
    for (const state of ['dirty', 'drifted', 'restore_incomplete', 'init_incomplete']) {
      expect(classifyHealth({ ...AHEAD, state }).kind).toBe('dirty'); // versions say ahead; state wins
    }
    expect(classifyHealth({ ...UNREACHABLE, state: 'unreachable' })).toEqual({ kind: 'failed',
      reason: 'database not readable: database unreachable (MariaDB error 2002)' });
    expect(classifyHealth({ ...DIRTY, state: 'some_future_state' }).kind).toBe('dirty'); // unknown word: inferred
  });

  it('shows the ahead text for a database ahead by migration number at the same version', () => {
    expect(show(AHEAD_BY_NUMBER)).toEqual({ kind: 'ahead', title: ['ahead'], details: [
      ['versions', { backend: '0.2.2', actual: '0.5.0', required: '0.5.0' }]] });
    expect(translate('de', 'ahead')).toBe('Die Datenbank ist neuer als diese Bamort-Version. Bitte kontaktieren Sie den Administrator.');
  });

  it('shows the migration warning only for behind and the dirty text for the incomplete states', () => {
    expect(show({ ...BEHIND, state: 'behind' }).title).toEqual(['behind']);
    expect(show({ ...DIRTY, state: 'drifted', pending_count: 0, actual_db_version: '0.5.0' }).title).toEqual(['dirty']);
    expect(show({ ...DIRTY, state: 'restore_incomplete' }).title).toEqual(['dirty']);
    expect(show({ ...DIRTY, state: 'init_incomplete' }).title).toEqual(['dirty']);
    expect(show({ ...OK, state: 'compatible' })).toBe(null);
  });

  it('polls: ahead by number, then compatible shows the update banner once, then nothing', async () => {
    vi.useFakeTimers();
    try {
      const views = [];
      const poller = createSystemHealthPoller({ url: '/h', intervalMs: 1000, successMs: 3000,
        fetch: fakeFetch([AHEAD_BY_NUMBER, { ...OK, state: 'compatible' }]), onChange: (v) => views.push(v && v.kind) });
      await poller.pollOnce();
      await poller.pollOnce();
      await poller.pollOnce();
      await vi.advanceTimersByTimeAsync(3000);
      expect(views).toEqual(['ahead', 'updated', null]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('createSystemHealthPoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls the configured URL, shows the update banner for a while, then nothing', async () => {
    const fetch = fakeFetch([BEHIND, OK]);
    const views = [];
    const poller = createSystemHealthPoller({ url: '/custom/health', intervalMs: 30000, successMs: 5000, fetch,
      onChange: (v) => views.push(v && v.kind) });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/custom/health']);
    expect(views).toEqual(['behind']);
    await vi.advanceTimersByTimeAsync(30000);
    expect(views).toEqual(['behind', 'updated']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(views).toEqual(['behind', 'updated', null]);
    await vi.advanceTimersByTimeAsync(60000);
    expect(views).toEqual(['behind', 'updated', null]);
    poller.stop();
  });

  it('shows nothing for HTML answers and logs once per run of failures', async () => {
    const fetch = fakeFetch([HTML, HTML, HTML, UNREACHABLE, OK, [404, {}], HTML]);
    const views = [];
    const logs = [];
    const poller = createSystemHealthPoller({ intervalMs: 1000, fetch, log: (m) => logs.push(m),
      onChange: (v) => views.push(v) });
    poller.start();
    await vi.advanceTimersByTimeAsync(6500);
    poller.stop();
    expect(fetch).toHaveBeenCalledTimes(7);
    expect(views).toEqual([]);
    expect(logs).toEqual([
      '[bamort system-health] /api/system/health: the answer is not JSON (a web server answering index.html?); ' +
        'no banner shown (logged once until a valid answer)',
      '[bamort system-health] /api/system/health: HTTP 404; no banner shown (logged once until a valid answer)',
    ]);
  });
});

describe('SystemAlert.vue', () => {
  afterEach(() => {
    vi.useRealTimers();
    localStorage.clear();
  });

  // upstream's createI18n call, with the snippets merged into its locale objects.
  function upstreamI18n(locale, extraDe = {}) {
    return createI18n({ legacy: false, locale, fallbackLocale: 'en',
      messages: { de: { common: { loading: 'Laden...' }, ...de, ...extraDe }, en: { common: { loading: 'Loading...' }, ...en } } });
  }

  it('speaks the app i18n language, follows a language switch, and uses the app locale texts', async () => {
    vi.useFakeTimers();
    const i18n = upstreamI18n('de');
    const wrapper = mount(SystemAlert, { props: { fetch: fakeFetch([BEHIND, OK]) }, global: { plugins: [i18n] } });
    await vi.advanceTimersByTimeAsync(0);
    expect(wrapper.find('.system-alert--behind').text()).toContain('Datenbank-Migration erforderlich.');
    expect(wrapper.text()).toContain('Ausstehende Migrationen: 12');
    i18n.global.locale.value = 'en';
    await flushPromises();
    expect(wrapper.text()).toContain('Database migration required.');
    i18n.global.locale.value = 'de';
    await vi.advanceTimersByTimeAsync(30000);
    expect(wrapper.find('.system-alert--updated').text()).toBe('System aktualisiert auf Version 0.5.0');
    await vi.advanceTimersByTimeAsync(5000);
    expect(wrapper.find('.system-alert').exists()).toBe(false);
    wrapper.unmount();

    const custom = upstreamI18n('de', { systemHealth: { ...de.systemHealth, behind: 'Bitte warten.' } });
    const w2 = mount(SystemAlert, { props: { fetch: fakeFetch([BEHIND]) }, global: { plugins: [custom] } });
    await flushPromises();
    expect(w2.find('.system-alert__title').text()).toBe('Bitte warten.');
    w2.unmount();
  });

  it('without vue-i18n uses the built-in texts in localStorage language', async () => {
    localStorage.setItem('language', 'en');
    const wrapper = mount(SystemAlert, { props: { fetch: fakeFetch([DIRTY]) } });
    await flushPromises();
    expect(wrapper.find('.system-alert--dirty .system-alert__title').text())
      .toBe('The database is in an incomplete state. Please contact the administrator.');
    expect(wrapper.text()).not.toContain('Duplicate entry');
    wrapper.unmount();
  });
});

describe('mountSystemHealthBanner (plain JS)', () => {
  it('puts a text-only banner at the top of the body', async () => {
    document.body.innerHTML = '<main>app</main>';
    const poller = mountSystemHealthBanner({ lang: 'de', fetch: fakeFetch([AHEAD]), intervalMs: 60000 });
    await flushPromises();
    const el = document.body.firstElementChild;
    expect(el.className).toBe('system-alert system-alert--ahead');
    expect(el.querySelector('strong').textContent)
      .toBe('Die Datenbank ist neuer als diese Bamort-Version. Bitte kontaktieren Sie den Administrator.');
    poller.stop();
    const el2 = document.createElement('div');
    const { renderBanner } = await import('../system-health.js');
    renderBanner(el2, { kind: 'updated', title: ['updated', { version: '<img src=x onerror=alert(1)>' }], details: [] }, 'en');
    expect(el2.textContent).toBe('System updated to version <img src=x onerror=alert(1)>');
    expect(el2.querySelector('img')).toBe(null);
  });
});
