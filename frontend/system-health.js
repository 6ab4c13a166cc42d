// system-health.js: the database compatibility banner's logic for Bamort's frontend. It
// polls bamort-health's GET /api/system/health (docs/HEALTH.md) and decides what to show:
//   behind   status "warning": the migration warning, with versions and pending count
//   ahead    the database is newer than this build (also by migration number alone)
//   dirty    dirty, drifted, restore_incomplete or init_incomplete: the database is in an
//            incomplete state
// bamort-health's `state` field names these states; without it (older bamort-health) they
// are inferred: "warning" is behind, an "error" with nothing pending and a higher database
// version is ahead, any other "error" of a readable database is dirty.
//   updated  once, after one of those three turned compatible: "System aktualisiert auf
//            Version X", hidden again after a few seconds
// and nothing while the database fits. An answer that is not the health JSON (upstream's
// nginx answers index.html for every unknown path, a 404, a 429, a network error) and an
// unreadable database show users nothing: the banner keeps what it showed and writes one
// console warning per run of such answers.
//
// The texts are vue-i18n keys under `systemHealth` (locales/de.js, locales/en.js);
// SystemAlert.vue renders them with the app's i18n. Without a build step, one tag mounts
// a plain banner that uses the same texts:
//   <script type="module" src="/system-health.js?mount&url=/api/system/health&lang=de"></script>
// query parameters: mount (required), url, interval and success (seconds), lang (de|en;
// default: localStorage 'language', then <html lang>, then the browser's language).
import de from './locales/de.js';
import en from './locales/en.js';

export const DEFAULT_URL = '/api/system/health';
export const DEFAULT_INTERVAL_MS = 30000;
export const DEFAULT_SUCCESS_MS = 5000;
export const MESSAGES = { de: de.systemHealth, en: en.systemHealth };
const LOG_PREFIX = '[bamort system-health]';

export function pickLanguage(lang) {
  return String(lang || '').toLowerCase().startsWith('en') ? 'en' : 'de'; // Bamort speaks German first
}

// The language a banner without vue-i18n uses: Bamort's own setting first.
export function pageLanguage() {
  let stored = null;
  try {
    stored = globalThis.localStorage ? globalThis.localStorage.getItem('language') : null;
  } catch (e) {
    stored = null; // storage blocked
  }
  const doc = globalThis.document ? globalThis.document.documentElement.lang : '';
  return stored || doc || (globalThis.navigator ? globalThis.navigator.language : '');
}

// A text from the built-in messages with vue-i18n's {name} placeholders filled in.
export function translate(lang, key, params = {}) {
  return MESSAGES[pickLanguage(lang)][key].replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// -1, 0, 1 for dotted numeric versions; a missing version is the smallest.
export function compareVersions(a, b) {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  const pa = String(a).split('.').map(Number);
  const pb = String(b).split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return 0;
}

// bamort-health's `state` (the state bamort-status judges) -> the banner's kind.
export const STATE_KINDS = {
  compatible: 'ok',
  behind: 'behind',
  ahead: 'ahead',
  dirty: 'dirty',
  drifted: 'dirty',
  restore_incomplete: 'dirty',
  init_incomplete: 'dirty',
};

// What a health answer means: {kind: 'ok'|'behind'|'ahead'|'dirty', health} or {kind: 'failed', reason}.
// The `state` field decides when present; an older bamort-health without it (or a state
// word this file does not know) is judged from status, pending count and versions.
export function classifyHealth(h) {
  if (!h || typeof h !== 'object' || !['ok', 'warning', 'error'].includes(h.status) || !('required_db_version' in h)) {
    return { kind: 'failed', reason: 'the answer is not bamort-health JSON' };
  }
  if (h.state === 'unreachable') return { kind: 'failed', reason: `database not readable: ${h.compatibility_reason}` };
  if (typeof h.state === 'string' && h.state in STATE_KINDS) return { kind: STATE_KINDS[h.state], health: h };
  if (h.status === 'ok') return { kind: 'ok', health: h };
  if (h.status === 'warning') return { kind: 'behind', health: h };
  if (h.pending_count == null) return { kind: 'failed', reason: `database not readable: ${h.compatibility_reason}` };
  if (h.pending_count === 0 && compareVersions(h.actual_db_version, h.required_db_version) > 0) {
    return { kind: 'ahead', health: h };
  }
  return { kind: 'dirty', health: h };
}

// One poll. A 503 carries the same JSON as a 200; anything else is a failed poll.
export async function pollHealth(url, fetchImpl = globalThis.fetch) {
  let response;
  try {
    response = await fetchImpl(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    return { kind: 'failed', reason: `network error (${e && e.message})` };
  }
  if (response.status !== 200 && response.status !== 503) return { kind: 'failed', reason: `HTTP ${response.status}` };
  try {
    return classifyHealth(await response.json());
  } catch (e) {
    return { kind: 'failed', reason: 'the answer is not JSON (a web server answering index.html?)' };
  }
}

// The banner state machine, pure. state: {banner: null|'behind'|'ahead'|'dirty'|'updated', health, failing}
export function initialState() {
  return { banner: null, health: null, failing: false };
}

export function nextState(state, result) {
  if (result.kind === 'failed') return { ...state, failing: true };
  if (result.kind === 'ok') {
    return { banner: state.banner === null ? null : 'updated', health: result.health, failing: false };
  }
  return { banner: result.kind, health: result.health, failing: false };
}

// What to show for a state, language-neutral: null or {kind, title: [key, params], details: [[key, params]]}.
export function describeBanner(state) {
  const h = state.health;
  if (state.banner === null) return null;
  if (state.banner === 'updated') {
    return { kind: 'updated', title: ['updated', { version: h.actual_db_version || h.required_db_version }], details: [] };
  }
  const versions = h.actual_db_version == null
    ? ['versionsNoDb', { backend: h.backend_version, required: h.required_db_version }]
    : ['versions', { backend: h.backend_version, actual: h.actual_db_version, required: h.required_db_version }];
  const details = [versions];
  if (state.banner === 'behind' && h.pending_count) details.push(['pending', { count: h.pending_count }]);
  return { kind: state.banner, title: [state.banner], details };
}

// Polls every intervalMs (first poll at once) and calls onChange(view) whenever the view
// changes. The updated banner hides itself after successMs.
export function createSystemHealthPoller(options = {}) {
  const url = options.url || DEFAULT_URL;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const successMs = options.successMs ?? DEFAULT_SUCCESS_MS;
  const fetchImpl = options.fetch || globalThis.fetch.bind(globalThis);
  const onChange = options.onChange || (() => {});
  const log = options.log || ((msg) => console.warn(msg));
  let state = initialState();
  let timer = null;
  let successTimer = null;
  let lastView = JSON.stringify(null);

  function publish() {
    const view = describeBanner(state);
    const key = JSON.stringify(view);
    if (key !== lastView) {
      lastView = key;
      onChange(view);
    }
  }

  async function pollOnce() {
    const result = await pollHealth(url, fetchImpl);
    if (result.kind === 'failed' && !state.failing) {
      log(`${LOG_PREFIX} ${url}: ${result.reason}; no banner shown (logged once until a valid answer)`);
    }
    const before = state.banner;
    state = nextState(state, result);
    if (state.banner === 'updated' && before !== 'updated') {
      clearTimeout(successTimer);
      successTimer = setTimeout(() => {
        if (state.banner === 'updated') {
          state = { ...state, banner: null };
          publish();
        }
      }, successMs);
    }
    publish();
    return state;
  }

  return {
    start() {
      if (timer) return;
      pollOnce();
      timer = setInterval(pollOnce, intervalMs);
    },
    stop() {
      clearInterval(timer);
      clearTimeout(successTimer);
      timer = null;
    },
    pollOnce,
    get state() {
      return state;
    },
  };
}

const STYLES = {
  behind: 'background:#fff3cd;color:#664d03;border-bottom:2px solid #ffcd39;',
  ahead: 'background:#f8d7da;color:#58151c;border-bottom:2px solid #dc3545;',
  dirty: 'background:#f8d7da;color:#58151c;border-bottom:2px solid #dc3545;',
  updated: 'background:#d1e7dd;color:#0a3622;border-bottom:2px solid #198754;',
};

// Renders a view into element as text only (nothing from the server becomes HTML).
export function renderBanner(element, view, lang) {
  element.replaceChildren();
  element.hidden = !view;
  if (!view) return;
  element.className = `system-alert system-alert--${view.kind}`;
  element.setAttribute('role', view.kind === 'updated' ? 'status' : 'alert');
  element.style.cssText = 'font:15px/1.4 system-ui,sans-serif;padding:10px 16px;' + STYLES[view.kind];
  const title = document.createElement('strong');
  title.textContent = translate(lang, ...view.title);
  element.appendChild(title);
  for (const [key, params] of view.details) {
    const d = document.createElement('div');
    d.style.fontSize = '13px';
    d.textContent = translate(lang, key, params);
    element.appendChild(d);
  }
}

// A plain banner element at the top of document.body, driven by a poller. Returns the poller.
export function mountSystemHealthBanner(options = {}) {
  const element = options.element || document.createElement('div');
  element.hidden = true;
  if (!options.element) document.body.prepend(element);
  const lang = options.lang || pageLanguage();
  const poller = createSystemHealthPoller({ ...options, onChange: (view) => renderBanner(element, view, lang) });
  poller.start();
  return poller;
}

// The one-script-tag use: <script type="module" src=".../system-health.js?mount&...">.
(function autoMount() {
  let params;
  try {
    params = new URL(import.meta.url).searchParams;
  } catch (e) {
    return;
  }
  if (!params.has('mount') || typeof document === 'undefined') return;
  const seconds = (name) => (params.has(name) ? Number(params.get(name)) * 1000 : undefined);
  const start = () =>
    mountSystemHealthBanner({
      url: params.get('url') || DEFAULT_URL,
      intervalMs: seconds('interval'),
      successMs: seconds('success'),
      lang: params.get('lang') || undefined,
    });
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
