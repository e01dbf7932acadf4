// Helpers shared by the browser benchmarks.
import type { Page } from "@playwright/test";

/** Median, min and max. */
export const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

/** Drops a file built in the page from base64 `head` (+ zeros to `size`) on the zone; resolves with the drop time. */
export async function drop(page: Page, zone: string, name: string, type: string, head: string, size: number): Promise<number> {
  return page.getByTestId(zone).evaluate(
    (el, [name, type, head, size]) => {
      const bytes = Uint8Array.from(atob(head), (c) => c.charCodeAt(0));
      const all = new Uint8Array(Math.max(size, bytes.length));
      all.set(bytes);
      const dt = new DataTransfer();
      dt.items.add(new File([all], name, { type }));
      const t0 = performance.now();
      for (const kind of ["dragenter", "dragover", "drop"]) {
        el.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
      return t0;
    },
    [name, type, head, size],
  );
}

/** performance.now() when `selector` first matches (polled every animation frame). */
export function when(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    (selector) =>
      new Promise((resolve) => {
        const check = () => {
          if (document.querySelector(selector)) resolve(performance.now());
          else requestAnimationFrame(check);
        };
        check();
      }),
    selector,
  );
}

