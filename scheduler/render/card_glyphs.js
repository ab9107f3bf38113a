// Finds characters drawn with no glyph. Each grapheme of the page's text is drawn on a canvas in the
// font of its element and compared with what that font draws for a code point no font has (U+10FFFD):
// the same pixels, or no pixels at all for a visible character, mean the glyph fell back to nothing.
(async () => {
  await document.fonts.ready;
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 160;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (text, font) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = font;
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#000";
    ctx.fillText(text, 8, 80);
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  };
  const blank = (px) => { for (let i = 3; i < px.length; i += 4) if (px[i]) return false; return true; };
  const same = (a, b) => { if (a.length !== b.length) return false; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const missing = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = getComputedStyle(node.parentElement);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const font = `${style.fontStyle} ${style.fontWeight} 64px ${style.fontFamily}`;
    const notdef = draw("\u{10FFFD}", font);
    for (const { segment } of segmenter.segment(node.data)) {
      if (/^\s+$/u.test(segment) || /^[\p{Cf}\p{Mn}]+$/u.test(segment)) continue;
      const key = font + "\u0000" + segment;
      if (seen.has(key)) continue;
      seen.add(key);
      const px = draw(segment, font);
      if (blank(px) || same(px, notdef)) missing.push(segment);
    }
  }
  return { missing };
})()
