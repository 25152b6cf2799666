import { InternError } from "../../src/errors.js";

/** The InternError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<InternError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InternError) return error;
    throw error;
  }
  throw new Error("expected an InternError");
}
