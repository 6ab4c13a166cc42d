// system-health.js: the database compatibility banner for Bamort's frontend, without a
// build step. It polls bamort-health's GET /api/system/health and shows
//   - a warning banner while migrations are pending (status "warning"),
//   - an error banner while the database does not fit the backend (status "error":
//     ahead, dirty, database unreachable), with the server's compatibility_reason,
//   - a short success banner once the database becomes compatible after a banner was
//     shown, and nothing while everything is ok.
// A single failed poll (network error, 429, an answer that is not our JSON) changes
// nothing on screen; only `failuresBeforeNotice` failures in a row show a notice that
// the status cannot be read (0 turns that notice off).
//
// Two ways to use it (docs/HEALTH.md):
//   1. One script tag, anywhere in the page:
//        <script type="module" src="/system-health.js?mount&url=/api/system/health&lang=de"></script>
//      query parameters: mount (required for the automatic banner), url, interval
//      (seconds, default 30), lang (de|en, default: the page's <html lang>), success
//      (seconds the success banner stays, default 5).
//   2. As a module: import { createSystemHealthPoller } from './system-health.js' (the Vue
//      component SystemAlert.vue does this), or mountSystemHealthBanner(options).
//
// The poll URL is always configurable: the upstream branch's banner polled a path that
// nothing served and therefore never appeared.

export const DEFAULT_URL = '/api/system/health';
export const DEFAULT_INTERVAL_MS = 30000;
export const DEFAULT_SUCCESS_MS = 5000;

export const MESSAGES = {
  de: {
    warning: 'Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.',
    error: 'Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.',
    success: 'Die Datenbank ist wieder auf dem aktuellen Stand.',
    unreachable: 'Der Systemstatus kann derzeit nicht abgefragt werden.',
    versions: (backend, actual, required) =>
      `Backend ${backend}, Datenbank ${actual ?? 'unbekannt'} (benötigt ${required})`,
    pending: (n) => (n === 1 ? '1 Migration ausstehend' : `${n} Migrationen ausstehend`),
  },
  en: {
    warning: 'Database migration required. Please contact the administrator.',
    error: 'Database migration required. Please contact the administrator.',
    success: 'The database is up to date again.',
    unreachable: 'The system status cannot be read at the moment.',
    versions: (backend, actual, required) =>
      `Backend ${backend}, database ${actual ?? 'unknown'} (requires ${required})`,
    pending: (n) => (n === 1 ? '1 migration pending' : `${n} migrations pending`),
  },
};

export function pickLanguage(lang) {
  const l = String(lang || '').toLowerCase();
  if (l.startsWith('en')) return 'en';
  return 'de'; // Bamort speaks German first
}

// What one poll gave: {kind: 'ok'|'warning'|'error', health} or {kind: 'failed'}.
// A 503 carries the same JSON as a 200; anything else that is not that JSON is a failure.
export async function pollHealth(url, fetchImpl = globalThis.fetch) {
  let response;
  try {
    response = await fetchImpl(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    return { kind: 'failed', reason: 'network' };
  }
  if (response.status !== 200 && response.status !== 503) return { kind: 'failed', reason: `http ${response.status}` };
  let health;
  try {
    health = await response.json();
  } catch (e) {
    return { kind: 'failed', reason: 'not json' };
  }
  if (!health || !['ok', 'warning', 'error'].includes(health.status)) return { kind: 'failed', reason: 'no status' };
  return { kind: health.status, health };
}

// The banner state machine, pure so it can be tested without timers or a DOM.
// state: {banner: null|'warning'|'error'|'success'|'unreachable', health, failures}
export function initialState() {
  return { banner: null, health: null, failures: 0 };
}

export function nextState(state, result, options = {}) {
  const failuresBeforeNotice = options.failuresBeforeNotice ?? 2;
  if (result.kind === 'failed') {
    const failures = state.failures + 1;
    if (failuresBeforeNotice > 0 && failures >= failuresBeforeNotice && state.banner !== 'warning' &&
        state.banner !== 'error') {
      return { ...state, failures, banner: 'unreachable' };
    }
    return { ...state, failures };
  }
  if (result.kind === 'ok') {
    const wasShowingProblem = state.banner === 'warning' || state.banner === 'error';
    const keepSuccess = state.banner === 'success';
    return { banner: wasShowingProblem || keepSuccess ? 'success' : null, health: result.health, failures: 0 };
  }
  return { banner: result.kind, health: result.health, failures: 0 };
}

// What to show for a state: null, or {kind, title, details: [lines]}.
export function describeBanner(state, lang) {
  const t = MESSAGES[pickLanguage(lang)];
  const h = state.health;
  switch (state.banner) {
    case 'warning':
    case 'error': {
      const details = [t.versions(h.backend_version, h.actual_db_version, h.required_db_version)];
      if (state.banner === 'warning' && h.pending_count) details.push(t.pending(h.pending_count));
      if (state.banner === 'error' && h.compatibility_reason) details.push(h.compatibility_reason);
      return { kind: state.banner, title: t[state.banner], details };
    }
    case 'success':
      return { kind: 'success', title: t.success, details: [] };
    case 'unreachable':
      return { kind: 'unreachable', title: t.unreachable, details: [] };
    default:
      return null;
  }
}

// Polls every intervalMs (first poll at once) and calls onChange(view) whenever what
// should be shown changes. The success banner hides itself after successMs.
export function createSystemHealthPoller(options = {}) {
  const url = options.url || DEFAULT_URL;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const successMs = options.successMs ?? DEFAULT_SUCCESS_MS;
  const fetchImpl = options.fetch || globalThis.fetch.bind(globalThis);
  const onChange = options.onChange || (() => {});
  let state = initialState();
  let timer = null;
  let successTimer = null;
  let lastView = null;

  function publish() {
    const view = describeBanner(state, options.lang);
    const key = JSON.stringify(view);
    if (key !== lastView) {
      lastView = key;
      onChange(view);
    }
  }

  async function pollOnce() {
    const result = await pollHealth(url, fetchImpl);
    const before = state.banner;
    state = nextState(state, result, options);
    if (state.banner === 'success' && before !== 'success') {
      clearTimeout(successTimer);
      successTimer = setTimeout(() => {
        if (state.banner === 'success') {
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
  warning: 'background:#fff3cd;color:#664d03;border-bottom:2px solid #ffcd39;',
  error: 'background:#f8d7da;color:#58151c;border-bottom:2px solid #dc3545;',
  success: 'background:#d1e7dd;color:#0a3622;border-bottom:2px solid #198754;',
  unreachable: 'background:#e2e3e5;color:#2b2f32;border-bottom:2px solid #6c757d;',
};

// Renders a view into element (text only: nothing from the server becomes HTML).
export function renderBanner(element, view) {
  element.replaceChildren();
  if (!view) {
    element.hidden = true;
    return;
  }
  element.hidden = false;
  element.className = `bamort-system-alert bamort-system-alert--${view.kind}`;
  element.setAttribute('role', view.kind === 'success' ? 'status' : 'alert');
  element.style.cssText = 'font:15px/1.4 system-ui,sans-serif;padding:10px 16px;' + STYLES[view.kind];
  const title = document.createElement('strong');
  title.textContent = view.title;
  element.appendChild(title);
  for (const line of view.details) {
    const d = document.createElement('div');
    d.style.fontSize = '13px';
    d.textContent = line;
    element.appendChild(d);
  }
}

// A banner element at the top of document.body, driven by a poller. Returns the poller.
export function mountSystemHealthBanner(options = {}) {
  const element = options.element || document.createElement('div');
  element.hidden = true;
  if (!options.element) document.body.prepend(element);
  const lang = options.lang || document.documentElement.lang || navigator.language;
  const poller = createSystemHealthPoller({ ...options, lang, onChange: (view) => renderBanner(element, view) });
  poller.start();
  return poller;
}

// Automatic mount for the one-script-tag use: <script type="module" src=".../system-health.js?mount&...">.
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
