/** JSON Schema of a rules/remediation/*.yaml file, checked with ajv at start. */
const duration = {
  description: 'is not a duration (like 30s, 5m, 1h, or a number of ms)',
  anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' }],
};
const matchValue = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] };

const guardrails = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dry_run: { type: 'boolean' },
    approval: {
      type: 'object',
      additionalProperties: false,
      required: ['required'],
      properties: { required: { type: 'boolean' }, expires_after: duration },
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'per'],
      properties: { max: { type: 'integer', minimum: 1 }, per: duration },
    },
    cooldown: duration,
    max_concurrent: { type: 'integer', minimum: 1 },
    blast_radius: {
      type: 'object',
      additionalProperties: false,
      required: ['max_entities'],
      properties: { max_entities: { type: 'integer', minimum: 1 }, window: duration },
    },
    verify: { type: 'object', additionalProperties: false, properties: { within: duration } },
  },
};

export const RULE_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'match', 'actions'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' },
          description: { type: 'string' },
          match: {
            type: 'object',
            additionalProperties: false,
            properties: {
              entity: matchValue,
              kind: matchValue,
              severity: { anyOf: [{ enum: ['info', 'warning', 'critical'] }, { type: 'array', minItems: 1, items: { enum: ['info', 'warning', 'critical'] } }] },
              environment: matchValue,
              labels: { type: 'object', additionalProperties: matchValue },
              min_score: { type: 'number', minimum: 0, maximum: 1 },
            },
          },
          guardrails,
          actions: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'webhook'],
              properties: {
                name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' },
                webhook: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['url'],
                  properties: {
                    url: { type: 'string', pattern: '^https?://', description: 'must be an http:// or https:// URL' },
                    format: { enum: ['vigil', 'alertmanager', 'template'] },
                    body: {},
                    headers: { type: 'object', additionalProperties: { type: 'string' } },
                    secret_env: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
                    timeout: duration,
                  },
                },
                guardrails,
              },
            },
          },
        },
      },
    },
  },
} as const;
