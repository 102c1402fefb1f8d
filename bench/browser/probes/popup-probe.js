// Runs in the extension popup: records, on the cross-process clock, when the pairing QR code,
// the confirmation code and the paired state first appear, and clicks on request so the click
// time is taken in the page itself. Selectors are the popup's data-testids.
() => {
  if (window.__pairkeyBench) return 'present';
  const now = () => performance.timeOrigin + performance.now();
  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const visible = (el) => !!el && el.getClientRects().length > 0;
  const state = { log: [], link: null, srcAtLink: null, shown: new Set(), code: '', paired: false, waiters: [] };
  window.__pairkeyBench = state;
  const check = () => {
    // The popup writes the link, then (asynchronously) the QR image for it: a code is shown
    // when the image changes after its link did. An old image reappearing does not count.
    const qr = byTestId('pairing-qr');
    const link = byTestId('pairing-link')?.textContent || '';
    const src = qr?.getAttribute('src') || '';
    if (link !== state.link) {
      state.link = link;
      state.srcAtLink = src;
    }
    if (link && src && src !== state.srcAtLink && visible(qr) && !state.shown.has(link)) {
      state.shown.add(link);
      state.log.push(['qr', now(), link]);
    }
    const codeEl = byTestId('pairing-code');
    const code = visible(codeEl) ? codeEl.textContent || '' : '';
    if (code && code !== state.code) state.log.push(['code', now(), code]);
    state.code = code;
    const paired = visible(byTestId('unpair'));
    if (paired && !state.paired) state.log.push(['paired', now(), '']);
    state.paired = paired;
    state.waiters = state.waiters.filter((w) => !w());
  };
  new MutationObserver(check).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  check();
  // Resolves with the first event `what` at or after `after` whose text starts with `prefix`.
  // (Waiting happens here: the popup's CSP forbids the eval behind page.waitForFunction.)
  state.waitFor = (what, after, prefix, timeoutMs) => new Promise((resolve, reject) => {
    const find = () => state.log.find((e) => e[0] === what && e[1] >= after && e[2].startsWith(prefix));
    const timer = setTimeout(() => reject(new Error(`no ${what} event within ${timeoutMs} ms`)), timeoutMs);
    const attempt = () => {
      const event = find();
      if (event) {
        clearTimeout(timer);
        resolve(event);
      }
      return !!event;
    };
    if (!attempt()) state.waiters.push(attempt);
  });
  state.click = (testId) => {
    state.log.push([`click:${testId}`, now(), '']);
    byTestId(testId).click();
  };
  return 'installed';
}
