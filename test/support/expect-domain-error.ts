import { expect } from 'chai';
import { DomainError, type ErrorCode } from '../../src/domain/errors.js';

function expectCode(error: unknown, code: ErrorCode): void {
  expect(error).to.be.instanceOf(DomainError);
  expect((error as DomainError).code).to.equal(code);
}

/** Asserts that `run` throws a DomainError with this code. */
export function expectThrowsCode(run: () => unknown, code: ErrorCode): void {
  try {
    run();
  } catch (error) {
    expectCode(error, code);
    return;
  }
  expect.fail(`expected DomainError ${code}, but it returned`);
}

/** Asserts that `promise` rejects with a DomainError with this code. */
export async function expectRejectsCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expectCode(error, code);
    return;
  }
  expect.fail(`expected DomainError ${code}, but it resolved`);
}
