/** The few `path` functions the library calls at module load (PROJECT_ROOT), on "/"-separated strings. */
const clean = (parts: string[]): string => "/" + parts.join("/").split("/").filter((p) => p !== "" && p !== ".").reduce<string[]>((acc, p) => (p === ".." ? acc.slice(0, -1) : [...acc, p]), []).join("/");
export const resolve = (...parts: string[]): string => clean(parts);
export const join = (...parts: string[]): string => clean(parts);
export const dirname = (p: string): string => clean([p, ".."]);
export const basename = (p: string): string => p.split("/").pop() ?? "";
export const relative = (_from: string, to: string): string => to;
export const isAbsolute = (p: string): boolean => p.startsWith("/");
export const sep = "/";
export default { resolve, join, dirname, basename, relative, isAbsolute, sep };
