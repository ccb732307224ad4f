import type { FirstImage } from './firstImage';

// A case opened cold (a new tab, a notification's link) shows its first image before the app has loaded: the
// server's rendering of frame 1 (the image's own window, lossless PNG) over the whole page, on the reading room's
// dark stage. The app takes ~1–2 s more to download, compile and lay out the workspace; the radiologist looks at
// the image meanwhile. The view goes as soon as the workspace shows the same image in its viewer (the same object
// URL, so no second download or decode), when the reading page goes away, on a click, or after a while at most.

const MAX_SHOWN_MS = 10_000;
const CAPTION = { 'zh-CN': '正在打开病例…', en: 'Opening the case…' } as const;

let current: { el: HTMLElement; timer: ReturnType<typeof setTimeout>; onKey: (e: KeyboardEvent) => void } | undefined;
// Once the workspace has shown its own image, a late boot view must not cover it.
let settled = false;

function language(): keyof typeof CAPTION {
  try {
    return localStorage.getItem('zhiyin.lang') === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

/**
 * Puts the case's first image on screen unless the app already shows it. Resolves when it is on screen (or was
 * not shown). The time it was first on screen is kept on the image (`shownAt`), so that the viewer's mark names
 * when the radiologist first saw it.
 */
export async function showBootImage(image: FirstImage): Promise<void> {
  if (settled || current || typeof document === 'undefined') return;
  const img = new Image();
  img.src = image.url;
  img.alt = '';
  img.draggable = false;
  // decoded before it is put in the page: no half-drawn image
  await img.decode().catch(() => undefined);
  performance.mark('zhiyin:first-image-decoded');
  if (settled || current || !img.complete || img.naturalWidth === 0) return;
  const el = document.createElement('div');
  el.className = 'boot-image';
  el.dataset.testid = 'boot-image';
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', CAPTION[language()]);
  el.setAttribute('aria-busy', 'true');
  const caption = document.createElement('p');
  caption.className = 'boot-image-caption';
  caption.textContent = CAPTION[language()];
  // the caption after the image's first frame: drawing its text needs the CJK font, whose first load (hundreds of
  // milliseconds in a fresh page) would otherwise hold the image back
  el.append(img);
  // a click anywhere, or Escape, hands the page to the app at once (what lies under it is the app as far as it has
  // loaded)
  el.addEventListener('click', () => removeBootImage());
  const onKey = (e: KeyboardEvent) => e.key === 'Escape' && removeBootImage();
  document.addEventListener('keydown', onKey);
  document.body.append(el);
  current = { el, timer: setTimeout(() => removeBootImage(), MAX_SHOWN_MS), onKey };
  performance.mark('zhiyin:first-image-appended');
  await new Promise<void>((resolve) =>
    requestAnimationFrame(() => {
      image.shownAt ??= performance.now();
      el.setAttribute('data-first-image', image.shownAt.toFixed(1));
      setTimeout(() => el.append(caption), 0);
      resolve();
    }),
  );
}

/** The workspace shows the image itself (or the case has no image to show): the boot view goes, and stays gone. */
export function settleBootImage(): void {
  settled = true;
  removeBootImage();
}

function removeBootImage(): void {
  if (!current) return;
  clearTimeout(current.timer);
  document.removeEventListener('keydown', current.onKey);
  current.el.remove();
  current = undefined;
}
