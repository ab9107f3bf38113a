// The live length counter: as the editor types, the server counts the text as the chosen account's
// network will (twitter-text for X, Mastodon's and Bluesky's own rules), so the page never guesses.
(function () {
  "use strict";
  const words = window.pageWords; // words.js: the page's language
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
          show(body.error || words.say("The text cannot be counted."), true);
          return;
        }
        const parts = body.parts;
        const counted = parts.map((part, index) => {
          const length = part.limit
            ? words.say("%(length)s of %(limit)s", { length: part.length, limit: part.limit })
            : String(part.length);
          return parts.length > 1 ? words.say("part %(number)s: %(length)s", { number: index + 1, length }) : length;
        });
        const counts = counted.join("; ");
        show(
          words.say("%(counts)s characters as %(network)s counts them", { counts, network: body.network }),
          parts.some((part) => !part.fits),
        );
      } catch (error) {
        show(words.say("The counter cannot reach the server."), false);
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
