// Runtime port names, in a module of their own so extension pages do not bundle the schemas.

/** The bridge opens one per ceremony. */
export const CEREMONY_PORT = 'pairkey/ceremony';
/** Each open extension page (popup, options, prompt) holds one. */
export const UI_PORT = 'pairkey/ui';
