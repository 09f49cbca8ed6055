/** A tiny DOM builder: text is always set as textContent, never parsed as HTML. */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A polite live region: status text screen readers announce. */
export function statusLine(id: string): HTMLParagraphElement {
  return h("p", { id, role: "status", "aria-live": "polite" });
}
