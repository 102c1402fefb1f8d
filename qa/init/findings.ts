// What `pairkey qa init` learns about a site, page by page and click by click, before it drafts a
// profile from it (draft.ts). The page scripts (page-scripts.ts) return these shapes as JSON.

/**
 * How a selector was made, best first: a test id, a stable id, a name or label attribute, an ARIA
 * role, its form, a class (toasts), or, when nothing else identifies the element, its position in
 * the page ("structure"), which the draft marks as a guess.
 */
export type SelectorHow = 'test-id' | 'id' | 'name' | 'label' | 'role' | 'form' | 'class' | 'structure';

export interface Located {
  /** A CSS selector whose first match is the element (standard CSS: both browsers' drivers take it). */
  selector: string;
  how: SelectorHow;
  /** What a person reads on it (its accessible name, text or label), for the draft's comments. */
  name: string;
}

export type FieldKind = 'username' | 'email' | 'password' | 'new-password' | 'otp' | 'text' | 'choice';

export interface FieldFinding extends Located {
  kind: FieldKind;
}

export interface FormFinding extends Located {
  fields: FieldFinding[];
  submit: Located | null;
}

export interface ButtonFinding extends Located {
  /** Index into the page's forms, when the button belongs to one. */
  form: number | null;
}

export interface PageScan {
  url: string;
  title: string;
  forms: FormFinding[];
  /** Visible buttons (button, input[type=submit|button], [role=button]). */
  buttons: ButtonFinding[];
  /** Visible same-origin links. */
  links: { href: string; name: string }[];
  /** Elements a site writes results into: role=status/alert, aria-live, <output>. */
  status: (Located & { text: string })[];
}

/** A fetch/XHR the page made after a click, and its answer. */
export interface SeenResponse {
  url: string;
  method: string;
  status: number;
  body: string;
}

/** What happened after one click. */
export interface ProbeResult {
  /** The WebAuthn call the phone received through the extension, and how the phone answered. */
  webauthn: { kind: 'registration' | 'sign-in'; rpId: string; reply: string } | null;
  responses: SeenResponse[];
  /** Status elements with text after the click (the last text each showed). */
  status: (Located & { text: string; marks: string[] })[];
  /** Elements that appeared with text after the click and are not status elements (toasts, banners). */
  appeared: (Located & { text: string })[];
  /** The page's URL once it settled. */
  url: string;
  /** The smallest visible element showing the username afterwards (the signed-in marker), if any. */
  usernameShown: (Located & { text: string }) | null;
}

export type Intent = 'sign-up' | 'sign-in' | 'sign-out' | 'other';

export interface Probe {
  /** The page the control was on (absolute URL). */
  page: string;
  control: Located;
  form: FormFinding | null;
  intent: Intent;
  /** What the phone was told to answer. */
  answer: 'approve' | 'deny';
  /** The values typed into the form's fields (selector → value). */
  typed: Record<string, string>;
  username: string | null;
  result: ProbeResult;
}

export interface Crawl {
  start: string;
  title: string;
  pages: PageScan[];
  probes: Probe[];
  /** How it was gathered: a headless crawl or a person clicking (--watch). */
  mode: 'crawl' | 'watch';
}
