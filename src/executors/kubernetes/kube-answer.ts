/** A clean answer the caller wants to handle itself: 404 Not Found, 409 Already Exists. */
export class KubeAnswer extends Error {
  constructor(readonly code: 404 | 409, message: string) {
    super(message);
  }
}
