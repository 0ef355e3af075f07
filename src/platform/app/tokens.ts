/** Injection tokens for what the platform provides to every service. */
export const VIGIL_CONFIG = Symbol('VIGIL_CONFIG');
export const BUS = Symbol('BUS');
export const CATALOGUE = Symbol('CATALOGUE');
export const SCHEMAS = Symbol('SCHEMAS');
