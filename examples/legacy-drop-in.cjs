'use strict';
// A helpers/gun.js caller after its one-line migration: only the `require` below changed
// (it was `require('./helpers/gun')`). It starts a local relay over the real `gun` package,
// points GUN_PEERS at it, then runs put -> get -> delete -> get (null) and exits by itself.
// Run after `npm run build`: `node examples/legacy-drop-in.cjs`.
const { GunHelper } = require('gun-relay-client/legacy');
const { startLocalRelay } = require('gun-relay-client/testing');

async function main() {
  const relay = await startLocalRelay();
  process.env.GUN_PEERS = `${relay.url}/`; // a trailing slash, as deployments often have: it is dropped
  try {
    const gun = new GunHelper();
    console.log(`relay: ${gun.apiUrl}`);
    console.log(`connected: ${await gun.checkConnection()}`);

    const publicKey = '02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const soul = gun.computeSoul(publicKey, 'drop-in-demo');
    const record = { data: { basic: { name: 'Drop-in demo' } }, oip: { recordType: 'post' } };
    const put = await gun.putRecord(record, soul, { localId: 'drop-in-demo' });
    console.log(`put: ${put.did} encrypted=${put.encrypted}`);

    const read = await new GunHelper().getRecord(soul);
    console.log(`get: ${read && read.data.basic.name} (${read && read.oip.recordType})`);

    const deleted = await new GunHelper().deleteRecord(soul);
    console.log(`delete: ${deleted}`);

    const after = await new GunHelper().getRecord(soul);
    console.log(`get after delete: ${after}`);
  } finally {
    await relay.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
