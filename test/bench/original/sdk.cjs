/**
 * Whole-process bench child: the SDK's drop-in facade (`gun-relay-client/legacy`, the built
 * CommonJS package) deleting with its defaults. Usage: node sdk.cjs <url> <calls> <concurrency>.
 */
'use strict';
const { run } = require('./drive.cjs');

run(() => {
  process.env.GUN_PEERS = process.argv[2];
  const { GunHelper } = require('../../../dist/legacy/index.cjs');
  const helper = new GunHelper();
  return { deleteRecord: (soul) => helper.deleteRecord(soul), close: () => GunHelper.closeAll() };
});
