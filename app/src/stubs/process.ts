/** A minimal `process` for library code that reads it (never env secrets: the browser has none). */
export const process = { env: {} as Record<string, string | undefined>, pid: 0, platform: "browser", browser: true, versions: {}, nextTick: (fn: () => void) => queueMicrotask(fn) };
export { Buffer } from "buffer";
