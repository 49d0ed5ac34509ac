// Applies the idempotent schemas (db/shop.sql to the Shop DB, db/mes.sql to the MES DB).
// Run once by the launcher before the services start, so they never race on DDL; two launchers
// at once (two shops on one server) take turns under an advisory lock.
const fs = require('node:fs');
const path = require('node:path');
const pg = require('pg');
const { config } = require('../lib/common.cjs');

async function apply(url, file) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7470001)');
    await client.query(fs.readFileSync(path.join(__dirname, file), 'utf8'));
  } finally {
    await client.end();
  }
}

module.exports = async function migrate() {
  await apply(config.shopDbUrl, 'shop.sql');
  await apply(config.mesDbUrl, 'mes.sql');
};

if (require.main === module) module.exports().then(() => console.log('schemas applied'), (e) => { console.error(e.message); process.exit(1); });
