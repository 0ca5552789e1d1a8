/** Tiny DOM helpers for the demo page (no framework). */

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element; attributes starting with `data` or `aria` are set as attributes, others as properties. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = String(value);
    else if (name.startsWith('data') || name.startsWith('aria')) node.setAttribute(name, String(value));
    else (node as unknown as Record<string, unknown>)[name] = value;
  }
  node.append(...children);
  return node;
}

export function $<T extends HTMLElement = HTMLElement>(testid: string): T {
  const node = document.querySelector<T>(`[data-testid="${testid}"]`);
  if (!node) throw new Error(`missing [data-testid="${testid}"]`);
  return node;
}

/** Local wall-clock time with milliseconds, e.g. 14:03:07.512. */
export function clock(at = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}

/** `CODE: message` for a ChannelLinkError, the message for anything else. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) return `${String(error.code)}: ${String(error.message)}`;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after the browser has painted the current DOM (so a note is visible before a busy loop). */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100); // hidden tabs get no animation frames
  });
}

/**
 * Appends `item` to a scrolling list, oldest first, keeping at most `max` entries. The list follows
 * the newest entry unless the reader has scrolled up to read an older one.
 */
export function appendToLog(list: HTMLElement, item: HTMLElement, max: number): void {
  const following = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
  list.append(item);
  while (list.children.length > max) list.firstElementChild!.remove();
  if (following) list.scrollTop = list.scrollHeight;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes (all set as attributes). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}
