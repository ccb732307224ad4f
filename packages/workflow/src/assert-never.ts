/**
 * Marks a branch the type checker has proven unreachable. Ending every `switch` with it means that adding a new
 * state, event or kind will not compile until every switch handles it.
 *
 * @param value - the value that should be of type `never` here
 * @returns never; throws if reached at run time (a bad value from outside the type system, such as stored JSON)
 */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
