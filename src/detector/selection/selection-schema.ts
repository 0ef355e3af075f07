/** JSON Schema of a rules/detector/*.yaml file (checked with ajv at start; see src/detector/README.md). */
const matcher = {
  type: 'string',
  pattern: '^\\s*[A-Za-z_][A-Za-z0-9_.]*\\s*(=~|!~|!=|=)',
  description: 'a matcher is label op "value", op one of =, !=, =~, !~ (e.g. mode!="idle")',
};

export const SELECTION_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    max_series_per_entity: { type: 'integer', minimum: 1, maximum: 4096 },
    select: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        description: 'a selector needs metric, matchers, or both',
        anyOf: [
          { required: ['metric'], properties: { metric: true } },
          { required: ['matchers'], properties: { matchers: true } },
        ],
        properties: {
          metric: { type: 'string', minLength: 1 },
          matchers: { type: 'array', minItems: 1, items: matcher },
          description: { type: 'string' },
        },
      },
    },
  },
} as const;

/** A file as the schema lets it through. */
export interface SelectionFile {
  max_series_per_entity?: number;
  select?: Array<{ metric?: string; matchers?: string[]; description?: string }>;
}
