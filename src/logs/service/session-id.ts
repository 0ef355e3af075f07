import type { SessionIdOptions } from '../options.js';
import type { LogRecordValue } from '../types.js';

/** The sequence a record belongs to: a session when an id is found, else its entity's stream. */
export interface SequenceId {
  mode: 'session' | 'entity';
  id: string;
}

/**
 * Configured attribute first, then the regex on the raw message, then the record's `session`
 * field, else the entity. Ids are used as state keys only: a finding never publishes one raw
 * (see `publicSessionId`), since an id found in a message may itself be sensitive.
 */
export function sequenceOf(v: LogRecordValue, o: SessionIdOptions): SequenceId {
  if (o.attribute) {
    const a = v.attributes?.[o.attribute];
    if (a !== undefined && a !== null && a !== '') return { mode: 'session', id: `${v.entity}\u0000${String(a)}` };
  }
  if (o.regex) {
    const m = o.regex.exec(v.message);
    const id = m ? (m[1] ?? m[0]) : undefined;
    if (id) return { mode: 'session', id: `${v.entity}\u0000${id}` };
  }
  if (o.useSessionField && v.session) return { mode: 'session', id: `${v.entity}\u0000${v.session}` };
  return { mode: 'entity', id: v.entity };
}
