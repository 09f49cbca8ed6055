/** The `util` functions libraries call at module load in a browser bundle. */
export function inherits(ctor: { prototype: object; super_?: unknown }, superCtor: { prototype: object }): void {
  ctor.super_ = superCtor;
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}
export const debuglog = (): ((...args: unknown[]) => void) => () => undefined;
export const deprecate = <T>(fn: T): T => fn;
export const inspect = (value: unknown): string => String(value);
export const promisify = <T>(fn: T): T => fn;
const encoder = globalThis.TextEncoder;
const decoder = globalThis.TextDecoder;
export { encoder as TextEncoder, decoder as TextDecoder };
export default { inherits, debuglog, deprecate, inspect, promisify, TextEncoder: encoder, TextDecoder: decoder };
