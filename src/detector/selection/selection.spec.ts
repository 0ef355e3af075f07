import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RuleFileError } from '../../platform/rules/rule-files.js';
import { loadSelectionRules } from './load-selection.js';
import { matches, parseMatcher } from './matchers.js';
import { SeriesSelection } from './series-selection.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A rules directory holding these files. */
async function rulesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-selection-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** The problems a rules directory has (it must have some). */
async function problems(files: Record<string, string>): Promise<string[]> {
  const dir = await rulesDir(files);
  try {
    loadSelectionRules(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleFileError);
    return (err as RuleFileError).problems.map((p) => p.replaceAll(dir, 'DIR'));
  }
  throw new Error('the rules loaded');
}

describe('Prometheus matchers', () => {
  const cpu = { cpu: '0', mode: 'idle' };
  const yes = (text: string, metric = 'node_cpu_seconds_total', labels: Record<string, string> = cpu) => matches(parseMatcher(text), metric, labels);

  it('=, !=, =~, !~ on labels and on __name__, a missing label being ""', () => {
    expect(yes('mode="idle"')).toBe(true);
    expect(yes('mode!="idle"')).toBe(false);
    expect(yes('mode=~"user|idle"')).toBe(true);
    expect(yes('mode!~"user|idle"')).toBe(false);
    expect(yes('__name__="node_cpu_seconds_total"')).toBe(true);
    expect(yes('__name__=~"node_.+"', 'node_load1', {})).toBe(true);
    expect(yes('device=""')).toBe(true);
    expect(yes('device!=""')).toBe(false);
    expect(yes('device=~".*"')).toBe(true);
    expect(yes('device=~".+"')).toBe(false);
    expect(yes('service.name="checkout"', 'queue.depth', { 'service.name': 'checkout' })).toBe(true);
  });

  it('regexes are fully anchored, as in Prometheus; (?i) makes one case-insensitive', () => {
    expect(yes('mode=~"idl"')).toBe(false);
    expect(yes('mode=~"dle"')).toBe(false);
    expect(yes('mode=~"i.*"')).toBe(true);
    expect(yes('mode=~"user|id"')).toBe(false); // the alternation is anchored as a whole
    expect(yes('mode=~"IDLE"')).toBe(false);
    expect(yes('mode=~"(?i)IDLE"')).toBe(true);
  });

  it('values double-quoted (with escapes), single-quoted or bare', () => {
    expect(parseMatcher('path="C:\\\\dir \\"x\\""').value).toBe('C:\\dir "x"');
    expect(parseMatcher("mode='idle'").value).toBe('idle');
    expect(parseMatcher('mode = idle').value).toBe('idle');
    expect(() => parseMatcher('mode=="idle"')).toThrow('="idle": a value cannot start with =, ! or ~ (quote it if it does)');
    expect(() => parseMatcher('mode="idle')).toThrow('"idle: the quote is not closed');
    expect(() => parseMatcher('mode ~ "idle"')).toThrow('is not a matcher');
    expect(() => parseMatcher('mode=~"(idle"')).toThrow('not a valid regular expression');
  });

  it('a selection is the union of its selectors, each the conjunction of its matchers', () => {
    const s = new SeriesSelection([
      { matchers: [parseMatcher('__name__="node_cpu_seconds_total"'), parseMatcher('mode!="idle"')], source: 'a' },
      { matchers: [parseMatcher('__name__=~"app_.+"')], source: 'b' },
    ]);
    expect(s.selects('node_cpu_seconds_total', { cpu: '0', mode: 'user' })).toBe(true);
    expect(s.selects('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toBe(false);
    expect(s.selects('app_requests_total')).toBe(true);
    expect(s.selects('node_load1')).toBe(false);
    expect(SeriesSelection.all().selects('anything', { a: 'b' })).toBe(true);
    expect(s.maxSeriesPerEntity).toBe(64);
  });
});

describe('rules/detector files', () => {
  it('the shipped rules select the demo and application metrics and the node_exporter series an SRE watches, and nothing else of the exporter', () => {
    const s = loadSelectionRules('rules/detector');
    expect(s.maxSeriesPerEntity).toBe(64);
    expect(s.selects('cpu_utilization', { service: 'demo-shop', env: 'demo' })).toBe(true);
    expect(s.selects('queue.depth', { queue: 'orders' })).toBe(true);
    expect(s.selects('node_cpu_seconds_total', { cpu: '3', mode: 'iowait' })).toBe(true);
    expect(s.selects('node_cpu_seconds_total', { cpu: '3', mode: 'idle' })).toBe(false);
    expect(s.selects('node_network_receive_bytes_total', { device: 'eth0' })).toBe(true);
    expect(s.selects('node_network_receive_bytes_total', { device: 'lo' })).toBe(false);
    expect(s.selects('node_disk_io_time_seconds_total', { device: 'nvme0n1' })).toBe(true);
    expect(s.selects('node_disk_io_time_seconds_total', { device: 'loop3' })).toBe(false);
    expect(s.selects('node_filesystem_avail_bytes', { fstype: 'ext4', mountpoint: '/' })).toBe(true);
    for (const name of ['node_scrape_collector_success', 'go_gc_duration_seconds', 'process_cpu_seconds_total', 'up', 'scrape_duration_seconds']) expect(s.selects(name), name).toBe(false);
  });

  it('reads every file of the directory: selectors add up, the cap comes from the file that sets it', async () => {
    const dir = await rulesDir({
      'a.yaml': 'max_series_per_entity: 16\nselect:\n  - metric: node_load1\n',
      'b.yml': 'select:\n  - matchers: [\'__name__="node_cpu_seconds_total"\', "mode=~\'user|system\'"]\n',
      'empty.yaml': '# nothing yet\n',
      'notes.txt': 'not read',
    });
    const s = loadSelectionRules(dir);
    expect(s.maxSeriesPerEntity).toBe(16);
    expect(s.selects('node_load1')).toBe(true);
    expect(s.selects('node_cpu_seconds_total', { mode: 'system' })).toBe(true);
    expect(s.selects('node_cpu_seconds_total', { mode: 'idle' })).toBe(false);
    expect(s.describe()[1]).toBe(`{__name__="node_cpu_seconds_total", mode=~"user|system"}  (${join(dir, 'b.yml')}:2:5)`);
  });

  it('a mistake names the file, the line and the field, and every mistake is reported at once', async () => {
    expect(
      await problems({
        'a.yaml': 'select:\n  - metric: node_load1\n    matcher: [\'mode="x"\']\n',
        'b.yaml': 'select:\n  - metric: x\n    matchers: [\'mode~"idle"\']\n',
        'c.yaml': 'select:\n  - metric: x\n    matchers:\n      - \'mode=~"(idle"\'\n',
        'd.yaml': 'select:\n  - description: nothing to match on\n',
        'e.yaml': 'max_series_per_entity: 0\n',
        'f.yaml': 'select: [\n',
      }),
    ).toEqual([
      'DIR/a.yaml:3:5: select[0].matcher: unknown key (select[0] takes metric, matchers, description)',
      'DIR/b.yaml:3:16: select[0].matchers[0]: a matcher is label op "value", op one of =, !=, =~, !~ (e.g. mode!="idle")',
      'DIR/c.yaml:4:9: select[0].matchers[0]: "(idle" is not a valid regular expression: Invalid regular expression: /^(?:(idle)$/: Unterminated group',
      'DIR/d.yaml:2:5: select[0]: a selector needs metric, matchers, or both',
      'DIR/e.yaml:1:24: max_series_per_entity: must be >= 1',
      'DIR/f.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(await problems({ 'a.yaml': 'max_series_per_entity: 8\nselect: [{ metric: a }]\n', 'b.yaml': 'max_series_per_entity: 9\n' })).toEqual([
      'DIR/b.yaml:1:24: max_series_per_entity: 9, but DIR/a.yaml:1:24 sets 8; set it in one file',
    ]);
    expect(await problems({ 'a.yaml': '# all commented out\n' })).toEqual([`DIR: no select entries in any *.yaml file: the detector would score nothing (select everything with matchers: ['__name__=~".+"'])`]);
    expect(() => loadSelectionRules('no/such/dir')).toThrow(/no\/such\/dir: cannot read the rules directory \(ENOENT\)/);
  });
});

describe('src/detector/README.md', () => {
  it('shows the shipped rules as they are', () => {
    const readme = readFileSync('src/detector/README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Which series are scored'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block, 'a yaml block under "### Which series are scored"').toBeDefined();
    expect(parse(block!)).toEqual(parse(readFileSync('rules/detector/select.yaml', 'utf8')));
  });
});
