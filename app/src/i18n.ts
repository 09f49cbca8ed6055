/** Message catalogs (app/i18n/{en,ja}.json): every string the UI shows comes from here. */
export const LANGUAGES = ["en", "ja"] as const;
export type Language = (typeof LANGUAGES)[number];
export type Catalog = Record<string, string>;

let catalog: Catalog = {};
let current: Language = "en";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

export async function loadLanguage(language: Language): Promise<void> {
  const response = await fetch(`i18n/${language}.json`);
  if (!response.ok) throw new Error(`catalog ${language} missing (HTTP ${response.status})`);
  catalog = (await response.json()) as Catalog;
  current = language;
  document.documentElement.lang = language;
}

export function language(): Language {
  return current;
}

/** The message for `key` with {name} placeholders filled; a missing key shows as the key itself. */
export function t(key: string, params: Record<string, string | number | bigint> = {}): string {
  const template = catalog[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Dates in the user's language, with the time zone spelled out. */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "long" }).format(new Date(iso));
}
