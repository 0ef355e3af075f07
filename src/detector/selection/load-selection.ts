import { fieldName, readRuleFiles, RuleFileError } from '../../platform/rules/rule-files.js';
import { parseMatcher, type Matcher } from './matchers.js';
import { SELECTION_FILE_SCHEMA, type SelectionFile } from './selection-schema.js';
import { DEFAULT_MAX_SERIES, SeriesSelection, type Selector } from './series-selection.js';

/**
 * Loads and checks every `*.yaml` / `*.yml` of `dir` (default `rules/detector`): the selectors
 * of all files together, and `max_series_per_entity` from the file that sets it (two files
 * setting different caps is a mistake). Throws RuleFileError listing every problem, each as
 * `file:line:column: field: what is wrong`.
 */
export function loadSelectionRules(dir: string): SeriesSelection {
  const { files, problems } = readRuleFiles<SelectionFile>(dir, SELECTION_FILE_SCHEMA);
  const selectors: Selector[] = [];
  let cap: { value: number; where: string } | undefined;
  for (const f of files) {
    const max = f.data.max_series_per_entity;
    if (max !== undefined) {
      const where = f.at(['max_series_per_entity']);
      if (cap && cap.value !== max) problems.push(`${where}: max_series_per_entity: ${max}, but ${cap.where} sets ${cap.value}; set it in one file`);
      else cap ??= { value: max, where };
    }
    (f.data.select ?? []).forEach((raw, i) => {
      const matchers: Matcher[] = raw.metric === undefined ? [] : [{ label: '__name__', op: '=', value: raw.metric }];
      let ok = true;
      (raw.matchers ?? []).forEach((text, j) => {
        try {
          matchers.push(parseMatcher(text));
        } catch (err) {
          ok = false;
          problems.push(`${f.at(['select', i, 'matchers', j])}: ${fieldName(['select', i, 'matchers', j])}: ${(err as Error).message}`);
        }
      });
      if (ok) selectors.push({ matchers, source: f.at(['select', i]) });
    });
  }
  if (problems.length === 0 && selectors.length === 0) problems.push(`${dir}: no select entries in any *.yaml file: the detector would score nothing (select everything with matchers: ['__name__=~".+"'])`);
  // In file and line order, the schema's complaints and the matchers' together.
  if (problems.length > 0) throw new RuleFileError('detector selection rules', problems.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  return new SeriesSelection(selectors, cap?.value ?? DEFAULT_MAX_SERIES);
}
