// The Gatekeeper library's conformance cases (../shared/conformance/gatekeeper-library), read in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedRoot } from './helpers';

export const libraryRoot = path.join(sharedRoot, 'conformance', 'gatekeeper-library');

export interface Expected {
  violations: number;
  messages: string[];
  rego_violations?: number;
  rego_messages?: string[];
  engine: 'rego' | 'cel';
  objects: string[];
  inventory?: string[];
  admission_review?: boolean;
}

export interface ConformanceCase {
  /** policy/case */
  readonly name: string;
  readonly policy: string;
  readonly dir: string;
  readonly expected: Expected;
  /** What a Rego evaluator must give: rego_messages when present, else messages (sorted). */
  readonly regoMessages: string[];
  /** Which of gator's fields regoMessages is: `rego_messages` (the case's default engine is CEL) or `messages`. */
  readonly regoMessagesFrom: 'rego_messages' | 'messages';
  read(file: string): string;
}

export function conformanceCases(): ConformanceCase[] {
  if (!fs.existsSync(libraryRoot)) return [];
  const out: ConformanceCase[] = [];
  for (const policy of fs.readdirSync(libraryRoot).sort()) {
    const pdir = path.join(libraryRoot, policy);
    if (!fs.statSync(pdir).isDirectory()) continue;
    for (const c of fs.readdirSync(pdir).sort()) {
      const dir = path.join(pdir, c);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      out.push({
        name: `${policy}/${c}`,
        policy,
        dir,
        expected,
        regoMessages: [...(expected.rego_messages ?? expected.messages)].sort(),
        regoMessagesFrom: expected.rego_messages ? 'rego_messages' : 'messages',
        read: (f) => fs.readFileSync(path.join(dir, f), 'utf8'),
      });
    }
  }
  return out;
}
