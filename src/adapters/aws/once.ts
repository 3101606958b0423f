/**
 * A value built on first use and kept: the functions' SDK clients and logger live as long as the
 * execution environment (reused by every invocation), and one a test or local mode injects instead is
 * never built at all.
 */
export function once<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
