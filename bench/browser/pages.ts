// The pages the browser suites load, from a tiny static server of their own (not the RP, so the
// numbers do not depend on how the RP's pages change). Served from http://localhost:PORT, a
// secure context that the extension's content scripts match.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

const BLANK = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>bench</body></html>';

/**
 * A page shaped like an ordinary sign-in page: a stylesheet, two scripts and a few hundred
 * elements. An inline script at the top of <head> records when the page's own code first runs,
 * which is after every document_start content script.
 */
function loadPage(): string {
  const items = Array.from({ length: 300 }, (_, i) => `<li class="item"><a href="#${i}">Item ${i}</a> <span>${'text '.repeat(8)}</span></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<script>window.__firstScriptAt = performance.now();</script>
<meta charset="utf-8">
<title>Sign in</title>
<link rel="stylesheet" href="/assets/site.css">
<script src="/assets/vendor.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<header><h1>Example</h1></header>
<form><label>Username <input name="username" autocomplete="username webauthn"></label><button>Sign in</button></form>
<ul>${items}</ul>
</body>
</html>`;
}

const CSS = Array.from({ length: 200 }, (_, i) => `.c${i} { margin: ${i % 7}px; color: #${(i * 4099).toString(16).padStart(6, '0').slice(0, 6)}; }`).join('\n');
const VENDOR_JS = `window.vendor = (function () { var t = {}; for (var i = 0; i < 2000; i++) t['k' + i] = i * 2; return t; })();`;
const APP_JS = `document.querySelectorAll('.item').forEach(function (el, i) { if (i % 2) el.classList.add('odd'); }); window.__appRanAt = performance.now();`;

const ROUTES: Record<string, [string, string]> = {
  '/blank.html': ['text/html; charset=utf-8', BLANK],
  '/load.html': ['text/html; charset=utf-8', loadPage()],
  '/assets/site.css': ['text/css', CSS],
  '/assets/vendor.js': ['text/javascript', VENDOR_JS],
  '/assets/app.js': ['text/javascript', APP_JS],
};

export class PageServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(port: number): Promise<PageServer> {
    const server = createServer((request, response) => {
      const route = ROUTES[new URL(request.url ?? '/', 'http://localhost').pathname];
      if (!route) {
        response.writeHead(404).end();
        return;
      }
      // No caching: every load measures the same work in both browsers.
      response.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store' }).end(route[1]);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return new PageServer(server, `http://localhost:${port}`);
  }

  url(path: 'blank.html' | 'load.html'): string {
    return `${this.origin}/${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
