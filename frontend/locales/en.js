// The banner's English texts, for upstream's src/locales/en (see locales/de.js).
export default {
  systemHealth: {
    behind: 'Database migration required. Please contact the administrator.',
    ahead: 'The database is newer than this Bamort version. Please contact the administrator.',
    dirty: 'The database is in an incomplete state. Please contact the administrator.',
    versions: 'Backend {backend}, database {actual} (requires {required})',
    versionsNoDb: 'Backend {backend}, database without a version (requires {required})',
    pending: 'Pending migrations: {count}',
    updated: 'System updated to version {version}',
  },
}
