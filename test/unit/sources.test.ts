// Object sources hand the engine a rendered stream and origins; these are the two ways back to the
// sources: where a finding belongs, and the edit of the source text that changes a rendered value.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { editThroughOrigin, placeInSources } from '../../server/src/sources/place';
import type { RenderedStream, ValueOrigin } from '../../server/src/sources/origin';

const values = 'image:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: "1.25"\n';
const at = (s: string) => {
  const start = values.indexOf(s);
  return { file: 'values.yaml', start, end: start + s.length };
};
// docker.io/bitnami/nginx:1.25, printed by `{{ printf "%s/%s:%s" .registry .repository .tag }}`
const image = 'docker.io/bitnami/nginx:1.25';
const origin: ValueOrigin = {
  primary: at('docker.io'),
  parts: [
    { start: 0, end: 9, from: at('docker.io'), verbatim: true, what: 'values image.registry' },
    { start: 10, end: 23, from: at('bitnami/nginx'), verbatim: true, what: 'values image.repository' },
    { start: 24, end: 28, from: at('1.25'), verbatim: true, what: 'values image.tag' },
  ],
  related: [],
};
const apply = (e: { start: number; end: number; newText: string }) => values.slice(0, e.start) + e.newText + values.slice(e.end);

test('a new registry is an edit of the values line that sets the registry', () => {
  const e = editThroughOrigin(origin, image, 'registry.corp.example/bitnami/nginx:1.25');
  assert.ok(e);
  assert.equal(e.file, 'values.yaml');
  assert.equal(apply(e), values.replace('docker.io', 'registry.corp.example'));
});

test('a prefix put before the repository is inserted where the value starts', () => {
  const o: ValueOrigin = { ...origin, parts: origin.parts.slice(1).map((p) => ({ ...p, start: p.start - 10, end: p.end - 10 })) };
  const e = editThroughOrigin(o, 'bitnami/nginx:1.25', 'mirror.example/bitnami/nginx:1.25');
  assert.ok(e);
  assert.equal(apply(e), values.replace('bitnami/nginx', 'mirror.example/bitnami/nginx'));
});

test('a change that crosses two sources, or computed text, has no single edit', () => {
  assert.equal(editThroughOrigin(origin, image, 'quay.io/other/nginx:1.25'), undefined);
  const computed: ValueOrigin = { ...origin, parts: [{ ...origin.parts[0]!, verbatim: false }] };
  assert.equal(editThroughOrigin(computed, image, 'registry.corp.example/bitnami/nginx:1.25'), undefined);
});

test('a finding on a rendered value is placed at its origin, else at the fallback', () => {
  const text = 'spec:\n  image: docker.io/bitnami/nginx:1.25\n';
  const s = text.indexOf('docker.io');
  const stream: RenderedStream = { name: 'chart', text, origins: [{ start: s, end: s + image.length, origin }] };
  const fallback = { file: 'templates/deployment.yaml', start: 0, end: 0 };
  assert.deepEqual(placeInSources(stream, { start: s, end: s + image.length }, fallback).at, at('docker.io'));
  assert.deepEqual(placeInSources(stream, { start: 0, end: 4 }, fallback), { at: fallback, origin: undefined });
});
