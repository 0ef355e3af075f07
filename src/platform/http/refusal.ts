import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';

/**
 * A service's refusal of an operator's request on its own terms (no such record, not in a state
 * that allows it): thrown by the service, which knows no HTTP; a controller turns it into the
 * status it names through `answering`.
 */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** `f`'s result, or its Refusal as the HTTP error of that status; other errors pass through. */
export async function answering<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    if (e.status === 404) throw new NotFoundException(e.message);
    if (e.status === 409) throw new ConflictException(e.message);
    throw new BadRequestException(e.message);
  }
}
