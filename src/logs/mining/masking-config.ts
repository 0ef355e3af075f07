import { existsSync, readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { envString } from '../../platform/config/env-values.js';
import { DEFAULT_MASK_PATTERNS, type MaskPattern } from './masking.js';

/** Where the operator's masking rules are read from unless LOGS_MASKING_FILE says otherwise. */
export const DEFAULT_MASKING_FILE = 'rules/logs/masking.yaml';

/**
 * The privacy patterns in force: the operator's own first (they know their formats best, and a
 * specific pattern must run before a generic one eats part of its match), then the built-ins
 * minus any the file disables. Built-ins can be disabled one by one but never all at once by
 * accident: `defaults: false` has to be written out.
 */
export interface MaskingConfig {
  patterns: MaskPattern[];
  /** Where the rules came from, for the start-up log line. */
  source: string;
}

const KEYS = ['defaults', 'disable', 'patterns'];

/** Reads LOGS_MASKING_FILE (default rules/logs/masking.yaml, optional) and LOGS_MASK_PATTERNS (a JSON array). */
export function loadMaskingConfig(env: NodeJS.ProcessEnv = process.env): MaskingConfig {
  const named = envString(env, 'LOGS_MASKING_FILE', '');
  const file = named || DEFAULT_MASKING_FILE;
  const explicit = named !== '';
  let fromFile: MaskingConfig = { patterns: [...DEFAULT_MASK_PATTERNS], source: 'built-in patterns' };
  if (existsSync(file)) fromFile = parseMaskingConfig(readFileSync(file, 'utf8'), file);
  else if (explicit) throw new Error(`LOGS_MASKING_FILE=${file}: no such file`);
  const extra = envString(env, 'LOGS_MASK_PATTERNS', '');
  if (!extra) return fromFile;
  let list: unknown;
  try {
    list = JSON.parse(extra);
  } catch (err) {
    throw new Error(`LOGS_MASK_PATTERNS: not JSON (${(err as Error).message})`);
  }
  const patterns = checkPatterns(list, 'LOGS_MASK_PATTERNS');
  return { patterns: [...patterns, ...fromFile.patterns], source: `${fromFile.source} + ${patterns.length} from LOGS_MASK_PATTERNS` };
}

/** Validates a masking file: every problem is reported with the file name, and a bad regex fails start. */
export function parseMaskingConfig(text: string, file: string): MaskingConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const at = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : 'yaml';
    throw new Error(`${file}: ${at}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { patterns: [...DEFAULT_MASK_PATTERNS], source: file };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: top level must be a mapping with any of: ${KEYS.join(', ')}`);
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) if (!KEYS.includes(key)) throw new Error(`${file}: ${key}: unknown key (expected ${KEYS.join(', ')})`);
  if (d.defaults !== undefined && typeof d.defaults !== 'boolean') throw new Error(`${file}: defaults: must be true or false`);
  const disable = d.disable ?? [];
  if (!Array.isArray(disable) || !disable.every((n) => typeof n === 'string')) throw new Error(`${file}: disable: must be a list of pattern names`);
  const known = new Set(DEFAULT_MASK_PATTERNS.map((p) => p.name));
  for (const name of disable as string[]) {
    if (!known.has(name)) throw new Error(`${file}: disable: no built-in pattern named ${name} (known: ${[...known].join(', ')})`);
  }
  const own = checkPatterns(d.patterns ?? [], `${file}: patterns`);
  const builtIns = d.defaults === false ? [] : DEFAULT_MASK_PATTERNS.filter((p) => !(disable as string[]).includes(p.name));
  return { patterns: [...own, ...builtIns], source: file };
}

function checkPatterns(list: unknown, where: string): MaskPattern[] {
  if (!Array.isArray(list)) throw new Error(`${where}: must be a list of {name, regex, replacement[, flags]}`);
  return list.map((item, i) => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null) throw new Error(`${at}: must be a mapping`);
    const p = item as Record<string, unknown>;
    for (const key of ['name', 'regex', 'replacement']) {
      if (typeof p[key] !== 'string' || p[key] === '') throw new Error(`${at}: ${key} must be a non-empty string`);
    }
    if (p.flags !== undefined && (typeof p.flags !== 'string' || !/^[imsu]*$/.test(p.flags))) throw new Error(`${at}: flags may hold only i, m, s, u`);
    const pattern: MaskPattern = { name: p.name as string, regex: p.regex as string, replacement: p.replacement as string, ...(p.flags ? { flags: p.flags as string } : {}) };
    try {
      new RegExp(pattern.regex, `g${pattern.flags ?? ''}`);
    } catch (err) {
      throw new Error(`${at} (${pattern.name}): invalid regex: ${(err as Error).message}`);
    }
    // A pattern that matches the empty string would insert its placeholder between every character.
    if (new RegExp(`^(?:${pattern.regex})$`, pattern.flags ?? '').test('')) throw new Error(`${at} (${pattern.name}): regex matches the empty string`);
    return pattern;
  });
}
