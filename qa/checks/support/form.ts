// Using one of the profile's forms the way a person does: open the page, click through to the
// form, choose and type, press the button, and read what the site answers.
import type { MarkerSpec, FormSpec } from '../../profile/schema.ts';
import { render, type TemplateValues } from '../../profile/template.ts';
import type { CheckContext } from '../types.ts';
import { awaitOutcome, clearStatus, RECORD_RESPONSES, type Outcome } from './outcome.ts';

export interface FormRun {
  /** Markers that also count as success (e.g. the second-factor prompt after a password). */
  alsoSuccess?: MarkerSpec[];
}

async function isShown(ctx: CheckContext, selector: string): Promise<boolean> {
  return ctx.page.eval<boolean>(
    `(() => { const el = document.querySelector(${JSON.stringify(selector)}); return !!el && el.getClientRects().length > 0; })()`,
  );
}

/**
 * Open, fill and submit `form` without waiting for the answer (see `formOutcome`).
 * `beforeSubmit` runs on the page as it is just before the button is pressed.
 */
export async function fillAndSubmit(ctx: CheckContext, form: FormSpec, values: TemplateValues, beforeSubmit?: () => Promise<void>): Promise<void> {
  const { page, profile } = ctx;
  if (form.url) await page.goto(new URL(render(form.url, values), ctx.site).href);
  await clearStatus(page, profile.status.selector);
  for (const selector of form.click ?? []) await page.click(selector);
  for (const selector of form.clickIfShown ?? []) if (await isShown(ctx, selector)) await page.click(selector);
  for (const [selector, value] of Object.entries(form.select ?? {})) await page.selectOption(selector, render(value, values));
  for (const [selector, value] of Object.entries(form.fields ?? {})) await page.fill(selector, render(value, values));
  await beforeSubmit?.();
  // Markers may read the site's answer to the request the button makes.
  await page.eval(RECORD_RESPONSES);
  if (form.submit) await page.click(form.submit);
}

/**
 * Wait for one of `markers` (success) or the status line's failure text. `failure: false` waits
 * for the markers alone (reading state, not the answer to an action).
 */
export function awaitMarkers(ctx: CheckContext, markers: MarkerSpec[], values: TemplateValues, failure = true): Promise<Outcome> {
  return awaitOutcome(ctx.page, {
    success: markers,
    statusSelector: ctx.profile.status.selector,
    failure: failure ? new RegExp(ctx.profile.status.failure, 'i') : /(?!)/,
    failureSelector: failure ? (ctx.profile.status.failureSelector ?? null) : null,
    site: ctx.site,
    values,
    timeoutMs: ctx.timeoutMs,
  });
}

/** What the site showed after `form` was submitted. */
export function formOutcome(ctx: CheckContext, form: FormSpec, values: TemplateValues, run: FormRun = {}): Promise<Outcome> {
  return awaitMarkers(ctx, [form.success ?? ctx.profile.signedIn, ...(run.alsoSuccess ?? [])], values);
}

/** Fill and submit `form`; resolves with what the site showed. */
export async function submitForm(ctx: CheckContext, form: FormSpec, values: TemplateValues, run: FormRun = {}): Promise<Outcome> {
  await fillAndSubmit(ctx, form, values);
  return formOutcome(ctx, form, values, run);
}
