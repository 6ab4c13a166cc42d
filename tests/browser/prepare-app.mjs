// Prepares upstream's frontend with the banner for the browser test (scripts/browser-test.sh),
// exactly as docs/HEALTH.md tells an operator; nothing of upstream's is kept in this project.
//   node prepare-app.mjs app UPSTREAM_FRONTEND PROJECT_FRONTEND DEST
//       copies upstream's frontend to DEST (a temporary folder), copies the banner's files
//       into src/components/system-health/, makes the App.vue edits below and merges the
//       systemHealth blocks into src/locales/de and en.
//   node prepare-app.mjs nginx UPSTREAM_NGINX_CONF PROJECT_FRONTEND DIST TMP HEALTH_ADDR BANNER_PORT PLAIN_PORT
//       writes TMP/nginx.conf: upstream's nginx.conf twice, on BANNER_PORT with
//       frontend/nginx-health.conf added as documented (only bamort-health:8190 becomes
//       HEALTH_ADDR and the cache folder one in TMP), and on PLAIN_PORT unchanged, where
//       the health URL gets index.html as with upstream's nginx alone.
// Every anchor must occur exactly once; otherwise upstream changed and this says where.
import fs from 'node:fs';
import path from 'node:path';

// The documented installation (docs/HEALTH.md quotes these strings; frontend/tests/snippets.test.js checks).
export const BANNER_FILES = ['SystemAlert.vue', 'system-health.js', 'locales/de.js', 'locales/en.js'];
export const BANNER_DIR = 'src/components/system-health';
export const APP_EDITS = [
  { anchor: 'import Menu from "./components/Menu.vue";\n',
    add: 'import SystemAlert from "./components/system-health/SystemAlert.vue";\n' },
  { anchor: '  components: {\n    Menu,\n', add: '    SystemAlert,\n' },
  { anchor: '  <div id="app">\n', add: '    <SystemAlert />\n' },
];
export const LOCALE_ANCHOR = 'export default {\n';

function die(msg) {
  console.error(`prepare-app: ${msg}`);
  process.exit(1);
}

function insertAfter(text, anchor, add, where) {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) {
    die(`${where}: expected ${JSON.stringify(anchor)} exactly once; upstream's file changed`);
  }
  return text.slice(0, at + anchor.length) + add + text.slice(at + anchor.length);
}

// The lines from "  systemHealth: {" to its closing "  }," of frontend/locales/LANG.js.
export function localeBlock(projectFrontend, lang) {
  const lines = fs.readFileSync(path.join(projectFrontend, 'locales', `${lang}.js`), 'utf8').split('\n');
  const start = lines.indexOf('  systemHealth: {');
  const end = lines.indexOf('  },', start);
  if (start < 0 || end < 0) die(`frontend/locales/${lang}.js has no "  systemHealth: {" ... "  }," block`);
  return lines.slice(start, end + 1).join('\n') + '\n';
}

function prepareApp(upstream, projectFrontend, dest) {
  fs.cpSync(upstream, dest, { recursive: true, filter: (src) => !/\/(node_modules|dist)$/.test(src) });
  fs.chmodSync(dest, 0o755);
  for (const f of BANNER_FILES) {
    const to = path.join(dest, BANNER_DIR, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(projectFrontend, f), to);
  }
  const appPath = path.join(dest, 'src/App.vue');
  let app = fs.readFileSync(appPath, 'utf8');
  for (const e of APP_EDITS) app = insertAfter(app, e.anchor, e.add, 'src/App.vue');
  fs.writeFileSync(appPath, app);
  for (const lang of ['de', 'en']) {
    const p = path.join(dest, 'src/locales', lang);
    fs.writeFileSync(p, insertAfter(fs.readFileSync(p, 'utf8'), LOCALE_ANCHOR, localeBlock(projectFrontend, lang),
      `src/locales/${lang}`));
  }
  // The reference copy of upstream lacks public/ (images); the landing page imports /bamorty.png.
  const png = path.join(dest, 'public/bamorty.png');
  if (!fs.existsSync(png)) {
    fs.mkdirSync(path.dirname(png), { recursive: true });
    fs.writeFileSync(png, '');
    console.log('NOTE: upstream copy has no public/bamorty.png; an empty placeholder was added for the build');
  }
}

function writeNginx(upstreamConf, projectFrontend, dist, tmp, healthAddr, bannerPort, plainPort) {
  const snippet = fs.readFileSync(path.join(projectFrontend, 'nginx-health.conf'), 'utf8');
  const httpLines = snippet.split('\n').filter((l) => l.startsWith('proxy_cache_path '));
  if (httpLines.length !== 1) die('frontend/nginx-health.conf: expected one proxy_cache_path line');
  const locations = snippet.split('\n').filter((l) => /^\s+/.test(l)).join('\n') + '\n';
  if (!locations.includes('http://bamort-health:8190;')) die('frontend/nginx-health.conf does not proxy to bamort-health:8190');
  const forTest = (s) =>
    s.replace('http://bamort-health:8190;', `http://${healthAddr};`)
      .replace('/var/cache/nginx/bamort-health', path.join(tmp, 'health-cache'));
  const server = (port) => {
    const conf = fs.readFileSync(upstreamConf, 'utf8');
    let s = insertAfter(conf, '    listen       80;\n', '', 'nginx.conf');
    s = s.replace('    listen       80;\n', `    listen       127.0.0.1:${port};\n`)
      .replace(/^\s*listen\s+\[::\]:80;\n/m, '')
      .replaceAll('/usr/share/nginx/html', dist);
    return s;
  };
  const bannerServer = forTest(httpLines[0]) + '\n' +
    insertAfter(server(bannerPort), '    location / {\n', '', 'nginx.conf').replace('    location / {\n',
      forTest(locations) + '\n    location / {\n');
  const conf = `worker_processes 1;
pid ${tmp}/nginx.pid;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${tmp}/nginx-access.log;
    client_body_temp_path ${tmp}/client_body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    # upstream's nginx.conf with frontend/nginx-health.conf
${bannerServer}
    # upstream's nginx.conf alone
${server(plainPort)}
}
`;
  fs.writeFileSync(path.join(tmp, 'nginx.conf'), conf);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'app' && args.length === 3) prepareApp(...args);
  else if (cmd === 'nginx' && args.length === 7) writeNginx(...args);
  else die('usage: prepare-app.mjs app UPSTREAM_FRONTEND PROJECT_FRONTEND DEST | nginx CONF FRONTEND DIST TMP HEALTH_ADDR PORT PORT');
}
