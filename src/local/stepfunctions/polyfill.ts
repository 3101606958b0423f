/**
 * aws-local-stepfunctions 3.x calls `Promise.withResolvers` (ES2024) in every Task state; Node 20
 * does not have it (it arrived in Node 22). Installed once, only where it is missing, with the
 * semantics the specification gives it, so on Node 22+ this module changes nothing.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseWithResolvers = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> };

export function installPromiseWithResolvers(target: PromiseWithResolvers = Promise): void {
  if (typeof target.withResolvers === 'function') return;
  Object.defineProperty(target, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      // `this` like the built-in, so a subclass gets promises of its own kind.
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

installPromiseWithResolvers();
