// The placeholder page of the phone app origin.
const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function placeholderPage(phoneUrl: string): string {
  const url = escapeHtml(phoneUrl);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Pairkey phone</title>
    <link rel="stylesheet" href="/style.css" />
    <script type="module" src="/placeholder.js"></script>
  </head>
  <body>
    <main>
      <h1>Pairkey phone</h1>
      <p>
        This origin will host the Pairkey phone app: the authenticator that holds your passkeys and
        answers the WebAuthn requests your browser extension forwards to it. The full phone app is
        coming; for now, use the virtual phone described below.
      </p>

      <section data-testid="pairing-link" id="pairing" hidden>
        <h2>Your pairing link</h2>
        <p>You opened a pairing link. Pair the virtual phone with it:</p>
        <pre><code id="pair-command"></code></pre>
      </section>

      <h2>Pairing links</h2>
      <p>
        The extension shows a QR code encoding a pairing link of the form
        <code>${url}#&lt;payload&gt;</code>. The payload after <code>#</code> is the pairing secret:
        a URL fragment is never sent to any server.
      </p>

      <h2>The virtual phone</h2>
      <p>Pair it with the link from the extension's QR code (or its "copy link" button):</p>
      <pre><code>npx pairkey-phone pair '&lt;link&gt;'</code></pre>
      <p>Then keep it running to answer sign-in and sign-up requests, with its keys stored in a file:</p>
      <pre><code>npx pairkey-phone serve --store FILE</code></pre>
    </main>
  </body>
</html>
`;
}
