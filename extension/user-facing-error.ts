/**
 * An error whose message is shown to the person as it is (a sentence written with t(), never
 * internals). `code` names the case for QA and tests (a data attribute on the page, not words);
 * `field` names the form field it is about, when there is one.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: string = 'error',
    readonly field?: string,
  ) {
    super(message);
  }
}
