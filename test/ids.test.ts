/** Object and request ids: the shapes the SDKs and users see, and uniqueness. */
import { describe, expect, it } from 'vitest';
import { newId, newRequestId } from '../src/util/ids.js';

describe('ids', () => {
  it('object ids: the real prefix and 24 letters and digits, never twice', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newId('thread');
      expect(id).toMatch(/^thread_[A-Za-z0-9]{24}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
    expect(newId('file')).toMatch(/^file-[A-Za-z0-9]{24}$/);
  });

  it('request ids: req_ and 32 lowercase hex digits, never twice', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newRequestId();
      expect(id).toMatch(/^req_[0-9a-f]{32}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
  });
});
