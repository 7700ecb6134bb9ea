import assert from 'node:assert/strict';

/** An `assert.rejects`/`assert.throws` validator: a GunRelayError with this code (and field). */
export function isCode(code: string, field?: string) {
  return (error: unknown): boolean => {
    const e = error as { name?: string; code?: string; field?: string };
    assert.equal(e.name, 'GunRelayError');
    assert.equal(e.code, code);
    if (field !== undefined) assert.equal(e.field, field);
    return true;
  };
}
