// The live length counter: as the editor types, the server counts the text as the chosen account's
// network will (twitter-text for X, Mastodon's and Bluesky's own rules), so the page never guesses.
(function () {
  "use strict";
  const csrf = document.querySelector('input[name="csrf_token"]');
  for (const box of document.querySelectorAll("textarea[data-count-account]")) {
    const select = document.getElementById(box.dataset.countAccount);
    const output = document.getElementById(box.getAttribute("aria-describedby"));
    let timer = null;
    let asked = 0;
    const show = (text, over) => {
      output.textContent = text;
      output.classList.toggle("over", over);
    };
    const ask = async () => {
      const mine = ++asked;
      if (!box.value.trim()) {
        show("", false);
        return;
      }
      const form = new URLSearchParams({ text: box.value, account: select ? select.value : "" });
      if (csrf) form.set("csrf_token", csrf.value);
      try {
        const response = await fetch("/count", { method: "POST", body: form, credentials: "same-origin" });
        const body = await response.json();
        if (mine !== asked) return; // a newer question is on its way
        if (!response.ok) {
          show(body.error || "The text cannot be counted.", true);
          return;
        }
        const parts = body.parts;
        const counted = parts.map((part, index) =>
          (parts.length > 1 ? `part ${index + 1}: ` : "") + part.length + (part.limit ? ` of ${part.limit}` : ""));
        show(`${counted.join("; ")} characters as ${body.network} counts them`, parts.some((part) => !part.fits));
      } catch (error) {
        show("The counter cannot reach the server.", false);
      }
    };
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    };
    box.addEventListener("input", soon);
    if (select) select.addEventListener("change", soon);
    if (box.value.trim()) ask(); // a post's own text is counted as soon as the page opens
  }
})();
