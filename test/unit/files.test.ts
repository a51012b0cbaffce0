// Reading a workspace file: the quick read (stat, then one native read) says what the careful read of
// the bytes says, on every sort of file a workspace holds.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { decodeText, readTextFileSync } from '../../server/src/workspace/files';

test('readTextFileSync: BOM, U+FFFD, bytes that are not UTF-8, NUL, too large, a FIFO, nothing there', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-files-'));
  const files: Record<string, string | Buffer> = {
    'plain.yaml': 'image: nginx:1.27\n',
    'bom.yaml': '\uFEFFimage: nginx\n',
    'replacement.yaml': 'note: "\uFFFD is a character too"\n',
    'latin1.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]),
    'truncated.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82]),
    'nul.yaml': 'a: 1\0\n',
    'wide.yaml': 'name: 日本語 ✓ 🚀\n',
  };
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
  for (const name of Object.keys(files)) {
    const bytes = fs.readFileSync(path.join(dir, name));
    assert.deepEqual(readTextFileSync(path.join(dir, name), 1024), decodeText(bytes), name);
  }
  assert.deepEqual(readTextFileSync(path.join(dir, 'bom.yaml'), 1024), { ok: true, text: 'image: nginx\n' });
  assert.deepEqual(readTextFileSync(path.join(dir, 'replacement.yaml'), 1024), { ok: true, text: 'note: "\uFFFD is a character too"\n' });
  assert.match(JSON.stringify(readTextFileSync(path.join(dir, 'latin1.yaml'), 1024)), /not UTF-8 text/);
  assert.match(JSON.stringify(readTextFileSync(path.join(dir, 'plain.yaml'), 10)), /too large/);
  assert.match(JSON.stringify(readTextFileSync(path.join(dir, 'none.yaml'), 1024)), /no such file/);
  assert.match(JSON.stringify(readTextFileSync(dir, 1024)), /not a regular file/);
  if (spawnSync('mkfifo', [path.join(dir, 'fifo.yaml')]).status === 0) {
    assert.match(JSON.stringify(readTextFileSync(path.join(dir, 'fifo.yaml'), 1024)), /not a regular file/);
  }
});
