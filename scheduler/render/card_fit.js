// Fits and measures a card in the page (run through DevTools, so it works with page scripts off).
// A template marks a box to fit with data-fit="name" data-fit-min="PX" data-fit-max="PX": the largest
// whole font size at which its text fits the box is chosen. Every [data-fit] and [data-box] element is
// then measured: text wider or taller than its box, or a box outside the page, is an overflow.
(async () => {
  await document.fonts.ready;
  // How far the element's content reaches past its box, in any direction: its child elements' boxes and
  // its own text's boxes, which catch text pushed up or sideways by flex alignment (scroll sizes miss it).
  const excess = (el) => {
    const box = el.getBoundingClientRect();
    // Chromium counts glyphs taller than a tight line-height (1.1) as scrollable overflow: allow that much.
    const glyphSlack = 0.15 * parseFloat(getComputedStyle(el).fontSize);
    let over = Math.max(el.scrollHeight - el.clientHeight - glyphSlack, el.scrollWidth - el.clientWidth, 0);
    for (const child of el.childNodes) {
      let rect = null;
      if (child.nodeType === Node.ELEMENT_NODE) {
        rect = child.getBoundingClientRect();
      } else if (child.nodeType === Node.TEXT_NODE && child.data.trim()) {
        const range = document.createRange();
        range.selectNodeContents(child);
        rect = range.getBoundingClientRect();
      }
      if (!rect || (rect.width === 0 && rect.height === 0)) continue;
      over = Math.max(over, box.top - rect.top, rect.bottom - box.bottom, box.left - rect.left, rect.right - box.right);
    }
    return over;
  };
  const fits = (el) => excess(el) <= 1;
  const sizes = {};
  for (const el of document.querySelectorAll("[data-fit]")) {
    const min = parseFloat(el.dataset.fitMin || "16");
    const max = parseFloat(el.dataset.fitMax || "96");
    let lo = min, hi = max, best = min;
    el.style.fontSize = `${max}px`;
    if (fits(el)) {
      best = max;
    } else {
      while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        el.style.fontSize = `${mid}px`;
        if (fits(el)) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
    }
    el.style.fontSize = `${best}px`;
    sizes[el.dataset.fit] = best;
  }
  const page = { width: window.innerWidth, height: window.innerHeight };
  const overflows = [];
  for (const el of document.querySelectorAll("[data-fit], [data-box]")) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    const inside = excess(el);
    const outside = Math.max(-rect.left, -rect.top, rect.right - page.width, rect.bottom - page.height, 0);
    const over = Math.max(inside > 1 ? inside : 0, outside > 1 ? outside : 0);
    if (over > 0) {
      overflows.push({
        box: el.dataset.fit || el.dataset.box,
        text: el.innerText.slice(0, 200),
        length: [...new Intl.Segmenter().segment(el.innerText.trim())].length,
        overflow: over,
        min: el.dataset.fit ? parseFloat(el.dataset.fitMin || "16") : null,
      });
    }
  }
  return { sizes, overflows };
})()
