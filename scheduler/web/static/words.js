// The words the scripts write, in the page's language: the page carries them (templates/_script_words.html),
// keyed by their English text; a missing one is shown in English. Plurals follow the language's own rules.
(() => {
  const element = document.getElementById("page-words");
  const known = element ? JSON.parse(element.textContent) : {};
  const lang = document.documentElement.lang || "en";
  const fill = (text, values = {}) =>
    text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
  window.pageWords = {
    lang,
    say: (key, values) => fill(typeof known[key] === "string" ? known[key] : key, values),
    count: (key, other, n, values = {}) => {
      const forms = known[key];
      const one = new Intl.PluralRules(lang).select(n) === "one";
      const english = n === 1 ? key : other;
      const text = forms && typeof forms === "object" ? (one ? forms.one : forms.other) : english;
      return fill(text, { ...values, num: n });
    },
  };
})();
