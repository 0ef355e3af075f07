import { describe, expect, it } from 'vitest';
import type { AiopsFeedback } from './records/aiops.feedback.js';
import type { Narrowed, WithFields } from './record-shapes.js';

// The checks are the compiler's (tsc -p tsconfig.json includes the specs): each @ts-expect-error
// is a shape that must not compile.
describe('record shapes derived from the generated types', () => {
  it('WithFields makes optional fields required and names only the schema`s fields', () => {
    const sure: WithFields<AiopsFeedback, 'by'> = { id: 'f', entity: 'e', timestamp: 1, kind: 'missed', by: 'op' };
    // @ts-expect-error `by` is now required
    const missing: WithFields<AiopsFeedback, 'by'> = { id: 'f', entity: 'e', timestamp: 1, kind: 'missed' };
    // @ts-expect-error the schema has no field `author`
    type Unknown = WithFields<AiopsFeedback, 'author'>;
    expect([sure.by, missing.id]).toEqual(['op', 'f']);
  });

  it('Narrowed accepts narrower fields and refuses other types and fields the schema lacks', () => {
    const fp: Narrowed<AiopsFeedback, { kind: 'false_positive' }> = { id: 'f', entity: 'e', timestamp: 1, kind: 'false_positive' };
    // @ts-expect-error the schema's kind has no value `maybe`
    type WrongValue = Narrowed<AiopsFeedback, { kind: 'maybe' }>;
    // @ts-expect-error the schema has no field `author`
    type Unknown = Narrowed<AiopsFeedback, { author: string }>;
    expect(fp.kind).toBe('false_positive');
  });
});
