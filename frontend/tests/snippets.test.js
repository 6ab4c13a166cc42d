// docs/HEALTH.md quotes exactly what the browser test (scripts/browser-test.sh) installs:
// the nginx block and the compose override verbatim, the App.vue lines and the banner's
// files; and the nginx block proxies to the service and port docker/compose.deploy.yml ships.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_EDITS, BANNER_DIR, BANNER_FILES, localeBlock } from '../../tests/browser/prepare-app.mjs';

const root = path.resolve(__dirname, '../..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const doc = read('docs/HEALTH.md');
const upstreamCompose = path.join(root, '../shared/reference/upstream-app/docker/docker-compose.yml');

// The lines of one top-level service of a compose file (two-space indented name).
function service(compose, name) {
  const m = compose.match(new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)*)`, 'm'));
  return m ? m[1] : null;
}

describe('docs/HEALTH.md and the browser test use the same snippets', () => {
  it('quotes frontend/nginx-health.conf and frontend/compose.banner.yml verbatim', () => {
    expect(doc).toContain('```nginx\n' + read('frontend/nginx-health.conf') + '```');
    expect(doc).toContain('```yaml\n' + read('frontend/compose.banner.yml') + '```');
  });

  it('shows the App.vue lines and the files the test installs', () => {
    for (const e of APP_EDITS) expect(doc).toContain(e.add.trim());
    for (const f of BANNER_FILES) expect(doc).toContain(`frontend/${f}`);
    expect(doc).toContain(BANNER_DIR);
    for (const lang of ['de', 'en']) expect(localeBlock(path.join(root, 'frontend'), lang)).toMatch(/^ {2}systemHealth: \{\n/);
  });

  it('proxies to the bamort-health service and port of docker/compose.deploy.yml, and not /metrics', () => {
    const nginx = read('frontend/nginx-health.conf');
    const [, host, port] = nginx.match(/proxy_pass http:\/\/([\w-]+):(\d+);/);
    const deploy = read('docker/compose.deploy.yml');
    const svc = service(deploy, host);
    expect(svc).not.toBe(null);
    expect(svc).toContain(`"--listen", "0.0.0.0:${port}"`);
    expect(nginx).not.toMatch(/location[^\n]*metrics/);
    const banner = read('frontend/compose.banner.yml');
    expect(banner).toContain(`      - ${host}\n`);
    if (fs.existsSync(upstreamCompose)) {
      // the service the override changes is upstream's frontend
      expect(service(fs.readFileSync(upstreamCompose, 'utf8'), 'frontend')).toContain('dockerfile: ../docker/Dockerfile.frontend');
    }
    expect(banner).toMatch(/^services:\n {2}frontend:\n/m);
  });
});
