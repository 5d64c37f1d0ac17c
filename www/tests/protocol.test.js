// The message protocol between the page and its workers (src/protocol.js): a wrong
// message is refused with its name, never taken for another.

import test from 'node:test';
import assert from 'node:assert/strict';
import { LAB_MESSAGES, LabMessageError, LabStoppedError, isLabMessage, labMessage } from '../src/protocol.js';

test('a message of an expected type with every field passes through unchanged', () => {
  const msg = { type: 'lab:progress', id: 3, label: 'sequential', fraction: 0.5, html: '<svg/>' };
  assert.equal(labMessage(msg, ['lab:progress', 'lab:done']), msg);
});

test('a message of another type is refused, naming it and what was expected', () => {
  assert.throws(
    () => labMessage({ type: 'lab:done', id: 1, figure: {} }, ['lab:process-ready']),
    (e) => e instanceof LabMessageError && /unexpected message lab:done: expected lab:process-ready/.test(e.message),
  );
});

test('a message lacking a field its type needs is refused, naming the field', () => {
  assert.throws(
    () => labMessage({ type: 'lab:process-done', task: 1, received: 0, result: 5 }, ['lab:process-done']),
    /lab:process-done lacks work_start_us, work_end_us, spans/,
  );
});

test('anything that is not a lab message is refused', () => {
  for (const data of [null, 3, 'lab:run', {}, { type: 7 }, { type: 'other:thing' }]) {
    assert.equal(isLabMessage(data), false, JSON.stringify(data));
    assert.throws(() => labMessage(data, ['lab:run']), LabMessageError);
  }
});

test('every message type is namespaced and a stop is its own kind of error', () => {
  for (const type of Object.keys(LAB_MESSAGES)) assert.match(type, /^lab:[a-z-]+$/);
  const stop = new LabStoppedError();
  assert.ok(stop instanceof Error);
  assert.equal(stop.message, 'stopped');
});
