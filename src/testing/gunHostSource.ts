/**
 * Source of the child process that hosts the real `gun` for the local relay.
 *
 * Why a child process (measured, see the report in the commit history):
 * - `require('gun')` adds ~40 globals to the process that loads it (`String.random`,
 *   `Object.plain`, `setTimeout.turn`, `JSON.parseAsync`, `console.STAT`, tslib's `__awaiter`
 *   family on `globalThis`, ...). Tests of the SDK must not run in a polluted process.
 * - gun prints its "Hello wonderful person" banner with `console.log` at module load, before any
 *   option can switch it off. In a child, stdout/stderr go to a pipe the parent keeps (bounded) for
 *   diagnostics, so nothing is printed and no console method has to be patched.
 * - radisk caches one instance per data directory at module level (`Radisk.has[file]`), so an
 *   in-process "restart" would never re-read the disk. A fresh process makes a restart real.
 * - Killing the child is a complete cleanup: no gun timer can outlive `close()`.
 *
 * Kept as a plain CommonJS string (run with `node -e`) so it works unchanged from `src/` under tsx
 * and from both builds in `dist/`, without a second build entry. The child has no network socket:
 * its only channel is the IPC pipe. It exits when the parent disconnects (even if the parent dies).
 *
 * Messages parent -> child: {type:'init', gunPath, file, writeBatchMs?} then
 * {type:'put', id, soul, data} / {type:'get', id, soul}. Child -> parent: {type:'ready', pid},
 * {type:'put', id, err?} (only once gun acks: an empty object is never acked, as in production),
 * {type:'get', id, node} (`node` is gun's raw node with `_`, or undefined when gun has none).
 */
export const GUN_HOST_SOURCE = String.raw`
'use strict';
var gun = null;
// Souls whose node is in memory (written or fully read by this process).
var warm = new Set();
// A put brings its node, and the child nodes of its nested objects (<soul>/<key>), into memory.
function markWarm(soul, data) {
  warm.add(soul);
  if (!data || typeof data !== 'object') return;
  for (var key in data) {
    var v = data[key];
    if (v && typeof v === 'object' && !Array.isArray(v) && !('#' in v)) markWarm(soul + '/' + key, v);
  }
}
function send(msg) { if (process.connected) process.send(msg); }
process.on('disconnect', function () { process.exit(0); });
process.on('message', function (msg) {
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'init') {
    // Belt and braces: gun also reads these environment switches.
    process.env.MULTICAST = 'false';
    process.env.AXE = 'false';
    var Gun = require(msg.gunPath);
    var opt = {
      peers: [],          // no outgoing peer connections
      multicast: false,   // lib/multicast.js: no UDP socket on 233.255.255.255:8765
      axe: false,         // lib/axe.js: no peer discovery
      ws: false,          // lib/wire.js: no WebSocket server (and 'ws' is never required)
      WebSocket: false,   // gun.js websocket adapter: no outgoing WebSocket
      stats: false,       // lib/stats.js: no 5 s interval writing into node_modules/gun
      localStorage: false,
      file: msg.file
    };
    if (typeof msg.writeBatchMs === 'number') opt.until = msg.writeBatchMs; // radisk batch window
    gun = Gun(opt);
    send({ type: 'ready', pid: process.pid });
    return;
  }
  if (!gun) return;
  if (msg.type === 'stop') {
    // A graceful stop: let gun's disk store finish the writes it has acknowledged. gun acks a put
    // before radisk has written every key, so killing it at once can lose acknowledged keys.
    setTimeout(function () { process.exit(0); }, msg.graceMs);
    return;
  }
  if (msg.type === 'put') {
    var answered = false;
    try {
      // Exactly what the production relay does: gun.get(soul).put(data, ack). With a missing or
      // empty soul gun puts at the root and invents a soul; gun itself rejects arrays and roots.
      markWarm(msg.soul, msg.data);
      gun.get(msg.soul).put(msg.data, function (ack) {
        if (answered) return;
        answered = true;
        send({ type: 'put', id: msg.id, err: ack && ack.err });
      });
    } catch (e) {
      if (!answered) {
        answered = true;
        send({ type: 'put', id: msg.id, err: String((e && e.message) || e) });
      }
    }
    return;
  }
  if (msg.type === 'get') {
    try {
      // once() answers when no more of the node has arrived for \`wait\` ms. A soul already in
      // memory answers at once (wait 1); one that must come from disk (e.g. after a restart)
      // arrives key by key, and with wait 1 a read could return half a node, so it gets 50 ms
      // (the relay's own miss timeout still bounds the whole read).
      var wait = warm.has(msg.soul) ? 1 : 50;
      gun.get(msg.soul).once(function (node) {
        if (node) warm.add(msg.soul);
        send({ type: 'get', id: msg.id, node: node });
      }, { wait: wait });
    } catch (e) {
      send({ type: 'get', id: msg.id, node: undefined });
    }
  }
});
`;
