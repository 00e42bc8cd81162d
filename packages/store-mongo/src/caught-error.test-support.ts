/** What `action` threw or rejected with; fails the test when it succeeded. For tests only. */
export async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
