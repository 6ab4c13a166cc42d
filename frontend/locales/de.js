// The banner's German texts. Upstream's src/locales/de gets the systemHealth block below
// (from the line "systemHealth: {" to its closing "},") merged into its `export default {`
// object (docs/HEALTH.md); SystemAlert.vue falls back to this file when the app has no
// vue-i18n or lacks these keys. Placeholders in {braces} are vue-i18n named arguments.
export default {
  systemHealth: {
    behind: 'Datenbank-Migration erforderlich. Bitte kontaktieren Sie den Administrator.',
    ahead: 'Die Datenbank ist neuer als diese Bamort-Version. Bitte kontaktieren Sie den Administrator.',
    dirty: 'Die Datenbank ist in einem unvollständigen Zustand. Bitte kontaktieren Sie den Administrator.',
    versions: 'Backend {backend}, Datenbank {actual} (benötigt {required})',
    versionsNoDb: 'Backend {backend}, Datenbank ohne Versionsangabe (benötigt {required})',
    pending: 'Ausstehende Migrationen: {count}',
    updated: 'System aktualisiert auf Version {version}',
  },
}
