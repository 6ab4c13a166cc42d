// The banner logic (state machine, texts, polling) and both ways to show it: the Vue
// component and the plain-JS mount. fetch is replaced by answers shaped exactly like
// bamort-health's (see docs/HEALTH.md); timers are fake.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import SystemAlert from '../SystemAlert.vue';
import {
  createSystemHealthPoller,
  describeBanner,
  initialState,
  mountSystemHealthBanner,
  nextState,
  pollHealth,
} from '../system-health.js';

const base = {
  backend_version: '0.5.0',
  required_db_version: '0.5.0',
  compatibility_reason: '',
  last_migration: null,
  timestamp: '2026-01-01T00:00:00.000Z',
  pending_migrations: [],
};
const OK = { ...base, status: 'ok', actual_db_version: '0.5.0', migrations_pending: false, pending_count: 0,
  compatible: true, migration_needed: false };
const PENDING = { ...base, status: 'warning', actual_db_version: null, migrations_pending: true, pending_count: 12,
  compatible: false, migration_needed: true, compatibility_reason: 'database is behind: 12 migrations pending' };
const DIRTY = { ...base, status: 'error', actual_db_version: '0.4.0', migrations_pending: false, pending_count: 0,
  compatible: false, migration_needed: false, compatibility_reason: 'migration 5 failed halfway' };

function answer(status, body) {
  return Promise.resolve({ status, json: () => Promise.resolve(body) });
}
// A fetch that serves the queued answers in order; each entry is a body, an Error, or [code, body].
function fakeFetch(queue) {
  const calls = [];
  const fn = vi.fn((url) => {
    calls.push(url);
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next instanceof Error) return Promise.reject(next);
    if (Array.isArray(next)) return answer(next[0], next[1]);
    return answer(next.status === 'error' ? 503 : 200, next);
  });
  fn.calls = calls;
  return fn;
}

describe('pollHealth', () => {
  it('reads 200 and 503 answers and treats everything else as a failed poll', async () => {
    expect((await pollHealth('/h', fakeFetch([OK]))).kind).toBe('ok');
    expect((await pollHealth('/h', fakeFetch([DIRTY]))).kind).toBe('error');
    expect((await pollHealth('/h', fakeFetch([new TypeError('offline')]))).kind).toBe('failed');
    expect((await pollHealth('/h', fakeFetch([[429, { status: 'error' }]]))).kind).toBe('failed');
    expect((await pollHealth('/h', fakeFetch([[200, { hello: 1 }]]))).kind).toBe('failed');
  });
});

describe('nextState', () => {
  it('shows nothing while ok, a warning while pending, success once fixed', () => {
    let s = nextState(initialState(), { kind: 'ok', health: OK });
    expect(s.banner).toBe(null);
    s = nextState(s, { kind: 'warning', health: PENDING });
    expect(s.banner).toBe('warning');
    s = nextState(s, { kind: 'ok', health: OK });
    expect(s.banner).toBe('success');
  });

  it('ignores a single failed poll and keeps a shown warning through failures', () => {
    let s = nextState(initialState(), { kind: 'failed' });
    expect(s.banner).toBe(null);
    s = nextState(s, { kind: 'failed' });
    expect(s.banner).toBe('unreachable');
    s = nextState(initialState(), { kind: 'warning', health: PENDING });
    s = nextState(s, { kind: 'failed' });
    s = nextState(s, { kind: 'failed' });
    expect(s.banner).toBe('warning');
    expect(nextState(nextState(initialState(), { kind: 'failed' }, { failuresBeforeNotice: 0 }), { kind: 'failed' },
      { failuresBeforeNotice: 0 }).banner).toBe(null);
  });
});

describe('describeBanner', () => {
  it('has the German and English texts with versions and the reason', () => {
    const w = describeBanner({ banner: 'warning', health: PENDING }, 'de');
    expect(w.title).toBe('Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.');
    expect(w.details).toEqual(['Backend 0.5.0, Datenbank unbekannt (benötigt 0.5.0)', '12 Migrationen ausstehend']);
    const e = describeBanner({ banner: 'error', health: DIRTY }, 'en-GB');
    expect(e.title).toBe('Database migration required. Please contact the administrator.');
    expect(e.details).toEqual(['Backend 0.5.0, database 0.4.0 (requires 0.5.0)', 'migration 5 failed halfway']);
    expect(describeBanner({ banner: null }, 'de')).toBe(null);
  });
});

describe('createSystemHealthPoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls the configured URL every interval and hides the success banner after a while', async () => {
    const fetch = fakeFetch([PENDING, OK]);
    const views = [];
    const poller = createSystemHealthPoller({ url: '/custom/health', intervalMs: 30000, successMs: 5000, fetch,
      lang: 'en', onChange: (v) => views.push(v && v.kind) });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.calls).toEqual(['/custom/health']);
    expect(views).toEqual(['warning']);
    await vi.advanceTimersByTimeAsync(30000);
    expect(fetch.calls.length).toBe(2);
    expect(views).toEqual(['warning', 'success']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(views).toEqual(['warning', 'success', null]);
    await vi.advanceTimersByTimeAsync(30000);
    expect(views).toEqual(['warning', 'success', null]);  // still ok: nothing new shown
    poller.stop();
  });
});

describe('SystemAlert.vue', () => {
  it('renders the warning, then the success banner, then nothing', async () => {
    vi.useFakeTimers();
    const fetch = fakeFetch([PENDING, OK]);
    const wrapper = mount(SystemAlert, { props: { url: '/api/system/health', lang: 'de', fetch } });
    await vi.advanceTimersByTimeAsync(0);
    await flushPromises();
    expect(wrapper.find('.system-alert--warning').exists()).toBe(true);
    expect(wrapper.text()).toContain('Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.');
    expect(wrapper.text()).toContain('Backend 0.5.0');
    await vi.advanceTimersByTimeAsync(30000);
    await flushPromises();
    expect(wrapper.find('.system-alert--success').exists()).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    await flushPromises();
    expect(wrapper.find('.system-alert').exists()).toBe(false);
    wrapper.unmount();
    vi.useRealTimers();
  });

  it('shows the error banner with the reason', async () => {
    const wrapper = mount(SystemAlert, { props: { lang: 'en', fetch: fakeFetch([DIRTY]) } });
    await flushPromises();
    expect(wrapper.find('.system-alert--error').exists()).toBe(true);
    expect(wrapper.text()).toContain('migration 5 failed halfway');
    wrapper.unmount();
  });
});

describe('mountSystemHealthBanner (plain JS)', () => {
  it('puts a text-only banner at the top of the body', async () => {
    document.body.innerHTML = '<main>app</main>';
    const evil = { ...DIRTY, compatibility_reason: '<img src=x onerror=alert(1)>' };
    const poller = mountSystemHealthBanner({ lang: 'en', fetch: fakeFetch([evil]), intervalMs: 60000 });
    await flushPromises();
    const el = document.body.firstElementChild;
    expect(el.className).toContain('bamort-system-alert--error');
    expect(el.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(el.querySelector('img')).toBe(null);
    poller.stop();
  });
});
