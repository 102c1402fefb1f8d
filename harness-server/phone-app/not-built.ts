// What the phone origin shows when the phone app has not been built: how to build it.
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function notBuiltPage(appDir: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Pairkey phone app: not built</title>
  </head>
  <body>
    <main>
      <h1>The Pairkey phone app is not built</h1>
      <p>This server serves the phone app from <code>${escapeHtml(appDir)}</code>, which has no
        <code>index.html</code>.</p>
      <p>Build it, then restart the server:</p>
      <pre><code>npx tsx phone/app/build.ts</code></pre>
      <p><code>npm run build</code> and <code>npm start</code> build it too. Set
        <code>PAIRKEY_DIST_DIR</code> the same way for the build and the server if you moved the output.</p>
    </main>
  </body>
</html>
`;
}
