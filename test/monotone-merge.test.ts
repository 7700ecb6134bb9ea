import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeNodeRead, readReplaces } from '../src/reads/monotoneMerge.js';

describe('monotone merge of reads', () => {
  it('a key leaves only by a tombstone or a newer state, never because a read came back short', () => {
    const known = { a: 1, b: 2, c: null };
    assert.deepEqual(mergeNodeRead(known, { a: 1 }), { a: 1, b: 2, c: null }, 'short read keeps b and the tombstone of c');
    assert.deepEqual(mergeNodeRead(known, null), known, 'a miss keeps everything');
    assert.deepEqual(mergeNodeRead(known, { b: null }), { a: 1, b: null, c: null }, 'a tombstone removes b');
    assert.deepEqual(mergeNodeRead(known, { c: 3 }), { a: 1, b: 2, c: 3 }, 'without states the later read brings c back');
    assert.deepEqual(mergeNodeRead(null, { x: 1 }), { x: 1 });
    assert.equal(mergeNodeRead(null, null), null);
  });

  it('with states on both sides, an older read changes nothing and a tie keeps the tombstone', () => {
    const known = { a: null, b: 2 };
    const states = { known: { a: 100, b: 100 }, read: { a: 50, b: 100 } };
    assert.deepEqual(mergeNodeRead(known, { a: 1, b: null }, states), { a: null, b: null });
    assert.deepEqual(mergeNodeRead(known, { a: 1 }, { known: { a: 100 }, read: { a: 101 } }), { a: 1, b: 2 });
    assert.equal(readReplaces({ live: false, state: 5 }, { live: true, state: 5 }), false);
    assert.equal(readReplaces({ live: true, state: 5 }, { live: false, state: 5 }), true);
    assert.equal(readReplaces({ live: true }, { live: false, state: 1 }), true);
  });
});
