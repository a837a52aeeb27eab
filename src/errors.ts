/**
 * An error in what the user asked for or gave (a file, an option, a formula): its message is the whole
 * advice, one line naming the thing at fault and its value. The CLI prints it without a stack and exits 1;
 * anything else that escapes is an internal error (exit 2).
 * @example throw new UserError("data.csv line 13, column loss: NaN is not a positive number")
 */
export class UserError extends Error {
  override readonly name = "UserError";
}

/**
 * Whether a value is a `UserError` (also across module copies, such as the bundled CLI and the library).
 * @example try { fitLaw(law, data) } catch (e) { if (isUserError(e)) console.error(e.message) }
 */
export function isUserError(error: unknown): error is UserError {
  return error instanceof Error && error.name === "UserError";
}
