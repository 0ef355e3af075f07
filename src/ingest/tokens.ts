/** Injection token for the ingest options (options.ts). */
export const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');
