// Page code of `pairkey qa init`: scanning a page for forms, buttons, links and status elements,
// making selectors a person can read, and recording what changes after a click. Strings, not
// functions: functions would carry tsx's helpers into the page (see docs/development.md).
//
// Selectors are plain CSS (both browser drivers and the outcome probe take them), chosen in the
// order a person would name the element: a test id, a stable id, a name/label attribute, an ARIA
// role, its form (`form:has(input[name="username"]) button`), a class, and only then its place in
// the page. Nothing here talks to the extension: which buttons start WebAuthn calls is learnt
// from the phone (crawl.ts), as the extension delivers them.

const HELPERS = `
  const clean = (text) => String(text || '').replace(/\\s+/g, ' ').trim();
  const quote = (value) => '"' + String(value).replace(/\\\\/g, '\\\\\\\\').replace(/"/g, '\\\\"') + '"';
  const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const firstIs = (sel, el) => { try { return document.querySelector(sel) === el; } catch { return false; } };
  const only = (sel, el) => { try { const all = document.querySelectorAll(sel); return all.length === 1 && all[0] === el; } catch { return false; } };
  const TEST_ATTRS = ['data-testid', 'data-test-id', 'data-test', 'data-qa', 'data-cy'];
  // Ids and classes that frameworks generate (r:0:, ember123, css-1x2y3z) change between builds.
  const stable = (name) => !!name && !/\\d{3,}|^[a-f0-9-]{12,}$|[:]|^css-|^sc-|^jsx-/.test(name);
  const nameOf = (el) => clean(el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type) ? el.value : '') || el.textContent || el.getAttribute('placeholder') || el.getAttribute('title') || '').slice(0, 80);
  const LANDMARKS = ['main', 'header', 'nav', 'footer', 'aside', 'form', 'dialog'];
  const tagOf = (el) => el.tagName.toLowerCase();

  const formSelector = (form) => {
    const tag = 'form';
    for (const attr of TEST_ATTRS) if (form.getAttribute(attr) && only('[' + attr + '=' + quote(form.getAttribute(attr)) + ']', form)) return { selector: '[' + attr + '=' + quote(form.getAttribute(attr)) + ']', how: 'test-id' };
    if (stable(form.id) && only('#' + CSS.escape(form.id), form)) return { selector: '#' + CSS.escape(form.id), how: 'id' };
    for (const attr of ['name', 'aria-label', 'action']) {
      const value = form.getAttribute(attr);
      if (value && only(tag + '[' + attr + '=' + quote(value) + ']', form)) return { selector: tag + '[' + attr + '=' + quote(value) + ']', how: attr === 'aria-label' ? 'label' : 'name' };
    }
    for (const input of form.querySelectorAll('input[name], input[autocomplete]')) {
      for (const attr of ['name', 'autocomplete']) {
        const value = input.getAttribute(attr);
        if (!value) continue;
        const sel = 'form:has(input[' + attr + '=' + quote(value) + '])';
        if (firstIs(sel, form)) return { selector: sel, how: 'form' };
      }
    }
    return null;
  };

  const structural = (el) => {
    const parts = [];
    let node = el;
    while (node && node !== document.body && node !== document.documentElement) {
      const parent = node.parentElement;
      const tag = tagOf(node);
      const same = parent ? [...parent.children].filter((c) => c.tagName === node.tagName) : [node];
      parts.unshift(same.length > 1 ? tag + ':nth-of-type(' + (same.indexOf(node) + 1) + ')' : tag);
      if (LANDMARKS.includes(tag) && only(tag, node) && node !== el) break;
      if (node !== el && stable(node.id) && only('#' + CSS.escape(node.id), node)) { parts[0] = '#' + CSS.escape(node.id); break; }
      node = parent;
    }
    return parts.join(' > ');
  };

  /** { selector, how } for el, best first; the selector's first match is el. */
  const selectorFor = (el) => {
    const tag = tagOf(el);
    for (const attr of TEST_ATTRS) {
      const value = el.getAttribute(attr);
      if (value && firstIs('[' + attr + '=' + quote(value) + ']', el)) return { selector: '[' + attr + '=' + quote(value) + ']', how: 'test-id' };
    }
    if (stable(el.id) && firstIs('#' + CSS.escape(el.id), el)) return { selector: '#' + CSS.escape(el.id), how: 'id' };
    for (const attr of ['name', 'autocomplete', 'aria-label', 'title', 'placeholder']) {
      const value = el.getAttribute(attr);
      const sel = tag + '[' + attr + '=' + quote(value) + ']';
      if (value && only(sel, el)) return { selector: sel, how: attr === 'name' || attr === 'autocomplete' ? 'name' : 'label' };
    }
    if (tag === 'input' && el.type && el.type !== 'text' && only('input[type=' + quote(el.type) + ']', el)) return { selector: 'input[type=' + quote(el.type) + ']', how: 'name' };
    const role = el.getAttribute('role');
    if (role && only('[role=' + quote(role) + ']', el)) return { selector: '[role=' + quote(role) + ']', how: 'role' };
    if (role && only(tag + '[role=' + quote(role) + ']', el)) return { selector: tag + '[role=' + quote(role) + ']', how: 'role' };
    const live = el.getAttribute('aria-live');
    if (live && only('[aria-live=' + quote(live) + ']', el)) return { selector: '[aria-live=' + quote(live) + ']', how: 'role' };
    const form = el.closest('form');
    if (form && el !== form) {
      const fs = formSelector(form);
      if (fs) {
        for (const inner of [tag + '[type=submit]', tag]) {
          const sel = fs.selector + ' ' + inner;
          if (firstIs(sel, el)) return { selector: sel, how: fs.how === 'structure' ? 'structure' : 'form' };
        }
      }
    }
    if (tag === 'form') { const fs = formSelector(el); if (fs) return fs; }
    for (const cls of el.classList) {
      if (stable(cls) && /^[a-z][\\w-]{2,}$/i.test(cls) && firstIs('.' + CSS.escape(cls), el)) return { selector: '.' + CSS.escape(cls), how: 'class' };
    }
    return { selector: structural(el), how: 'structure' };
  };

  const located = (el) => ({ ...selectorFor(el), name: nameOf(el) });

  const fieldKind = (el) => {
    const ac = (el.getAttribute('autocomplete') || '').toLowerCase();
    const hint = ((el.name || '') + ' ' + (el.id || '') + ' ' + (el.getAttribute('placeholder') || '') + ' ' + nameOf(el)).toLowerCase();
    if (el.tagName === 'SELECT' || ['checkbox', 'radio'].includes(el.type)) return 'choice';
    if (el.type === 'password') return ac.includes('new-password') ? 'new-password' : 'password';
    if (ac.includes('one-time-code') || /\\b(otp|code|token)\\b/.test(hint)) return 'otp';
    if (el.type === 'email' || ac.includes('email') || /e-?mail/.test(hint)) return 'email';
    if (ac.includes('username') || ac.includes('webauthn') || /user|login|handle|account|name/.test(hint)) return 'username';
    return 'text';
  };

  const STATUS = '[role="status"], [role="alert"], [aria-live], output';
  const isStatus = (el) => el.matches(STATUS);
`;

/** Scans the page as it is now (PageScan, see findings.ts). */
export const SCAN = `(() => {
  ${HELPERS}
  const forms = [...document.forms].filter(visible);
  const formScans = forms.map((form) => {
    const fields = [...form.querySelectorAll('input, select, textarea')]
      .filter((el) => visible(el) && !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
      .map((el) => ({ ...located(el), kind: fieldKind(el) }));
    const submitEl = [...form.querySelectorAll('button:not([type=button]):not([type=reset]), input[type=submit]')].find(visible) || null;
    return { ...located(form), fields, submit: submitEl ? located(submitEl) : null };
  });
  const buttons = [...document.querySelectorAll('button, input[type=submit], input[type=button], [role=button]')]
    .filter((el) => visible(el) && !el.disabled)
    .map((el) => { const form = el.closest('form'); return { ...located(el), form: form ? forms.indexOf(form) : null }; })
    .map((b) => ({ ...b, form: b.form === -1 ? null : b.form }));
  const links = [...document.querySelectorAll('a[href]')]
    .filter((a) => visible(a) && a.origin === location.origin && !a.hasAttribute('download'))
    .map((a) => ({ href: a.href.split('#')[0], name: nameOf(a) }));
  const status = [...document.querySelectorAll(STATUS)].map((el) => ({ ...located(el), text: clean(el.textContent) }));
  return { url: location.href, title: document.title, forms: formScans, buttons, links, status };
})()`;

/**
 * Starts recording: elements that appear or change text, and WebAuthn calls the page has made and
 * not yet seen answered (counted only, passed through untouched, so the crawl knows to keep waiting
 * while the phone thinks). Idempotent; a navigation drops it.
 */
export const RECORD = `(() => {
  ${HELPERS}
  const state = window.__pairkeyInit || (window.__pairkeyInit = { changed: [], mutations: 0, pending: 0, installed: false });
  state.changed.length = 0;
  if (state.installed) return true;
  state.installed = true;
  const container = navigator.credentials;
  for (const method of ['create', 'get']) {
    const original = container[method].bind(container);
    container[method] = (...args) => {
      state.pending++;
      const done = () => { state.pending--; };
      let call;
      try {
        call = original(...args);
      } catch (error) {
        done();
        throw error;
      }
      Promise.resolve(call).then(done, done);
      return call;
    };
  }
  const note = (el) => {
    if (!el || el.nodeType !== 1) return;
    const text = clean(el.textContent);
    if (!text) return;
    state.changed.push({ el, text });
  };
  new MutationObserver((records) => {
    state.mutations++;
    for (const r of records) {
      if (r.type === 'characterData') note(r.target.parentElement);
      else { note(r.target); for (const n of r.addedNodes) note(n.nodeType === 1 ? n : n.parentElement); }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  return true;
})()`;

/** { mutations, pending, ready } — how busy the page still is. */
export const ACTIVITY = `(() => {
  const s = window.__pairkeyInit;
  return { mutations: s ? s.mutations : -1, pending: s ? s.pending : 0, ready: document.readyState === 'complete', recording: !!s };
})()`;

/**
 * What the page shows now: status elements with text (and attributes that mark an error), the
 * elements that appeared or changed since RECORD (non-status: toasts, banners), and the smallest
 * visible element showing `username`.
 */
export function readAfter(username: string | null): string {
  return `(() => {
    ${HELPERS}
    const username = ${JSON.stringify(username)};
    // Attributes that mark an error (shortest first: data-error before data-error-code), then classes.
    const marks = (el) => {
      const attrs = el.getAttributeNames().filter((attr) => /^data-(error|invalid|failed)/.test(attr) || attr === 'aria-invalid').sort((a, b) => a.length - b.length);
      const classes = [...el.classList].filter((cls) => /^(error|is-error|failure|danger|invalid)$/i.test(cls));
      return [...attrs.map((attr) => '[' + attr + ']'), ...classes.map((cls) => '.' + CSS.escape(cls))];
    };
    const status = [...document.querySelectorAll(STATUS)]
      .map((el) => ({ el, text: clean(el.textContent) }))
      .filter((s) => s.text)
      .map((s) => ({ ...located(s.el), text: s.text, marks: marks(s.el) }));
    const s = window.__pairkeyInit;
    const appeared = [];
    for (const { el, text } of (s ? s.changed : [])) {
      // The outermost changed element that is not a status element or inside one, once each.
      if (!el.isConnected || !visible(el) || isStatus(el) || el.closest(STATUS) || el === document.body || el === document.documentElement) continue;
      if (appeared.some((a) => a.el === el || a.el.contains(el))) continue;
      if (el.closest('form') && el.matches('input, select, textarea, option')) continue;
      for (let i = appeared.length - 1; i >= 0; i--) if (el.contains(appeared[i].el)) appeared.splice(i, 1);
      appeared.push({ el, text });
    }
    let shown = null;
    if (username) {
      const all = [...document.body.querySelectorAll('*')].filter((el) => !['SCRIPT', 'STYLE', 'INPUT', 'TEXTAREA', 'OPTION'].includes(el.tagName)
        && !isStatus(el) && !el.closest(STATUS) && visible(el) && clean(el.textContent).includes(username)
        && ![...el.children].some((c) => clean(c.textContent).includes(username)));
      // An element showing exactly the username first (a header's "alice"), then in page order.
      all.sort((a, b) => Number(clean(b.textContent) === username) - Number(clean(a.textContent) === username));
      const best = all.find((el) => !appeared.some((a) => a.el.contains(el) && a.el.matches('[class*=toast i], [class*=snack i], [class*=notif i], [class*=flash i]'))) || null;
      if (best) shown = { ...located(best), text: clean(best.textContent) };
    }
    return {
      status,
      appeared: appeared.map((a) => ({ ...located(a.el), text: a.text })),
      url: location.href,
      usernameShown: shown,
    };
  })()`;
}

/**
 * For --watch: reports each click of a person (before the page's own handlers run) to the
 * `__pairkeyInitClick` binding the recorder exposes, with the control, its form and the values
 * typed (never a password's). Runs in the QA browser only; it reaches nothing of the extension.
 */
export const CLICK_RECORDER = `(() => {
  if (window.__pairkeyInitClicks) return;
  window.__pairkeyInitClicks = true;
  ${HELPERS}
  document.addEventListener('click', (event) => {
    const el = event.target instanceof Element ? event.target.closest('button, input[type=submit], input[type=button], [role=button], a[href]') : null;
    if (!el || typeof window.__pairkeyInitClick !== 'function') return;
    const form = el.closest('form');
    const fields = form ? [...form.querySelectorAll('input, select, textarea')]
      .filter((f) => visible(f) && !['hidden', 'submit', 'button', 'reset', 'image'].includes(f.type))
      .map((f) => ({ field: { ...located(f), kind: fieldKind(f) }, value: f.type === 'password' ? '' : String(f.value || '') })) : [];
    window.__pairkeyInitClick({
      url: location.href,
      title: document.title,
      link: el.tagName === 'A',
      control: located(el),
      form: form ? { ...located(form), fields: fields.map((f) => f.field), submit: null } : null,
      values: Object.fromEntries(fields.map((f) => [f.field.selector, f.value])),
    });
  }, true);
})()`;
