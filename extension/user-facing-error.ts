/** An error whose message is shown to the person as it is (written with t(), never internals). */
export class UserFacingError extends Error {}
