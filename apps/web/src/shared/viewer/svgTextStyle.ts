let applied = false;

/**
 * Cornerstone3D's measurement labels get their style (no text selection, no pointer events, the drop shadow) from
 * `setAttribute('style', …)` on an SVG <text>. The app's Content-Security-Policy allows no inline style attributes
 * (style-src 'self'), so the browser refuses that style and reports a violation for every label drawn. The same
 * declarations set through the CSSOM are not governed by CSP (the script setting them is the app's own), so labels
 * keep their style while the policy stays as strict for markup: an injected `style="…"` is still refused. Only
 * SVG text elements are concerned; every other element keeps the browser's own setAttribute.
 */
export function svgTextStyleThroughCssom(): void {
  if (applied) return;
  applied = true;
  SVGTextElement.prototype.setAttribute = function (this: SVGTextElement, name: string, value: string) {
    if (name.toLowerCase() === 'style') this.style.cssText = value;
    // Element's own setAttribute (only SVGTextElement's is replaced here).
    else Element.prototype.setAttribute.call(this, name, value);
  };
}
