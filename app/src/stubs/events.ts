/** A minimal EventEmitter for stream code bundled but not used by the app. */
export class EventEmitter {
  private listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  on(name: string, fn: (...args: unknown[]) => void): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    return this;
  }
  emit(name: string, ...args: unknown[]): boolean {
    for (const fn of this.listeners.get(name) ?? []) fn(...args);
    return this.listeners.has(name);
  }
}
export default EventEmitter;
