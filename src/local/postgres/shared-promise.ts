/**
 * One load per key for the process, shared by every caller, even servers that start at once
 * (Promise.all in a test). A load that fails is forgotten, so the next caller tries again.
 */
export function sharedPromise<K, V>(loads: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let promise = loads.get(key);
  if (!promise) {
    promise = load();
    loads.set(key, promise);
    promise.catch(() => loads.delete(key));
  }
  return promise;
}
