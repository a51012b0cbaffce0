// Kubernetes' named-format library (library/format.go): format.named(name) -> optional<Format>,
// format.dns1123Label() and the other named formats, <Format>.validate(s) -> optional<list<string>>
// (none when valid, else apimachinery's validation messages). Not to be confused with string.format.
import { celjs, type Environment } from '../celjs';
import { compileRe2 } from '../../re2';
import { parseUrl } from './url';
import { registerNamespace } from './namespace';
import { define } from './define';

export class NamedFormat {
  constructor(
    readonly name: string,
    readonly validate: (s: string) => string[],
  ) {}
  toString(): string {
    return this.name;
  }
}

// apimachinery/pkg/util/validation: RegexError and the formats' messages.
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}
const maxLenError = (n: number): string => `must be no more than ${n} characters`;
/** Compiled at its first use: at load, the formats' patterns were 6 ms of every cold CLI process. */
const anchored = (fmt: string): ((s: string) => boolean) => {
  let re: ReturnType<typeof compileRe2> | undefined;
  return (s) => (re ??= compileRe2(`^${fmt}$`)).test(s);
};

const label1123 = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const label1123Msg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const subdomain1123 = `${label1123}(\\.${label1123})*`;
const subdomain1123Msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const label1035 = '[a-z]([-a-z0-9]*[a-z0-9])?';
const label1035Msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const qualifiedName = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValue = `(${qualifiedName})?`;
const labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const isLabel1123 = anchored(label1123);
const isSubdomain1123 = anchored(subdomain1123);
const isLabel1035 = anchored(label1035);
const isQualifiedName = anchored(qualifiedName);
const isLabelValue = anchored(labelValue);

function dns1123Label(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!isLabel1123(s)) errs.push(regexError(label1123Msg, label1123, 'my-name', '123-abc'));
  return errs;
}
function dns1123Subdomain(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push(maxLenError(253));
  if (!isSubdomain1123(s)) errs.push(regexError(subdomain1123Msg, subdomain1123, 'example.com'));
  return errs;
}
function dns1035Label(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!isLabel1035(s)) errs.push(regexError(label1035Msg, label1035, 'my-name', 'abc-123'));
  return errs;
}
/** apimachinery's maskTrailingDash: a generateName prefix may end in '-'. */
const maskTrailingDash = (s: string): string => (s.length > 1 && s.endsWith('-') ? `${s.slice(0, -2)}a` : s);

function qualified(s: string): string[] {
  const errs: string[] = [];
  const parts = s.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a qualified name ${regexError(qualifiedNameMsg, qualifiedName, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!isQualifiedName(name)) errs.push(`name part ${regexError(qualifiedNameMsg, qualifiedName, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function labelValueErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!isLabelValue(s)) errs.push(regexError(labelValueMsg, labelValue, 'MyValue', 'my_value', '12345'));
  return errs;
}

const uuid = anchored('(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}');
const base64 = anchored('(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?');
const dateRe = anchored('([0-9]{4})-([0-9]{2})-([0-9]{2})');
const dateTimeRe = anchored('[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})');

function validDate(s: string): boolean {
  if (!dateRe(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export const namedFormats: Readonly<Record<string, NamedFormat>> = {
  dns1123Label: new NamedFormat('DNS1123Label', dns1123Label),
  dns1123Subdomain: new NamedFormat('DNS1123Subdomain', dns1123Subdomain),
  dns1035Label: new NamedFormat('DNS1035Label', dns1035Label),
  qualifiedName: new NamedFormat('QualifiedName', qualified),
  dns1123LabelPrefix: new NamedFormat('DNS1123LabelPrefix', (s) => dns1123Label(maskTrailingDash(s))),
  dns1123SubdomainPrefix: new NamedFormat('DNS1123SubdomainPrefix', (s) => dns1123Subdomain(maskTrailingDash(s))),
  dns1035LabelPrefix: new NamedFormat('DNS1035LabelPrefix', (s) => dns1035Label(maskTrailingDash(s))),
  labelValue: new NamedFormat('LabelValue', labelValueErrors),
  uri: new NamedFormat('URI', (s) => {
    try {
      parseUrl(s);
      return [];
    } catch (e) {
      return [String((e as { summary?: string }).summary ?? (e as Error).message).replace(/^URL parse error during conversion from string: /, '')];
    }
  }),
  uuid: new NamedFormat('uuid', (s) => (uuid(s) ? [] : ['does not match the UUID format'])),
  byte: new NamedFormat('byte', (s) => (base64(s) ? [] : ['invalid base64'])),
  date: new NamedFormat('date', (s) => (validDate(s) ? [] : ['invalid date'])),
  datetime: new NamedFormat('datetime', (s) => (dateTimeRe(s) && validDate(s.slice(0, 10)) ? [] : ['invalid datetime'])),
};

export function registerNamedFormats(env: Environment): void {
  env.registerType('kubernetes.NamedFormat', NamedFormat);
  registerNamespace(env, 'format', 'FormatNamespace');
  const F = 'kubernetes.NamedFormat';
  define(env, 'named', 'FormatNamespace', ['string'], `optional<${F}>`, (_ns: unknown, name: string) => {
    const f = Object.prototype.hasOwnProperty.call(namedFormats, name) ? namedFormats[name] : undefined;
    return f ? celjs().Optional.of(f) : celjs().Optional.none();
  });
  for (const [name, f] of Object.entries(namedFormats)) define(env, name, 'FormatNamespace', [], F, () => f);
  env.registerOperator(`${F} == ${F}`, ((a: NamedFormat, b: NamedFormat) => a === b) as (...a: unknown[]) => unknown);
  define(env, 'validate', F, ['string'], 'optional<list<string>>', (f: NamedFormat, s: string) => {
    const errs = f.validate(s);
    return errs.length === 0 ? celjs().Optional.none() : celjs().Optional.of(errs);
  });
}
