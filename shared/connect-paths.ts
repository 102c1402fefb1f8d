// Where "Connect Pairkey to this server" lives, without the declaration's schema: the bridge runs in
// every frame of every page at document start and imports only these, so TypeBox stays out of it
// (shared/connect-declaration.ts holds the schema; the background checks the declaration with it).

/** Where a server declares its Pairkey configuration (same origin as the page that offers it). */
export const CONNECT_DECLARATION_PATH = '/.well-known/pairkey-connect.json';

/** The page on the harness server that offers the one-click connect. */
export const CONNECT_PAGE_PATH = '/connect';

/** Larger declarations are refused unread: two URLs fit in far less. */
export const MAX_CONNECT_DECLARATION_CHARS = 4096;
