// Keyboard shortcuts on every page, listed by "?": "g" then a letter goes to a page, "n" composes;
// the calendar and the composer add their own. None acts while typing in a field.
(function () {
  "use strict";
  const help = document.getElementById("shortcuts");
  if (!help) return;
  const pages = { d: "/", a: "/articles", p: "/posts", c: "/calendar", f: "/feeds", o: "/compose", u: "/profile" };
  let leader = false;
  let leaderTimer = null;
  const typing = (target) =>
    target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  document.addEventListener("keydown", (event) => {
    const calendar = window.deskCalendar;
    const composer = document.getElementById("composer");
    if (composer && (event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      composer.querySelector('button[value="preview"]').click();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      if (help.open) help.close();
      else help.showModal();
      return;
    }
    if (leader) {
      leader = false;
      clearTimeout(leaderTimer);
      if (pages[event.key]) window.location.assign(pages[event.key]);
      return;
    }
    if (event.key === "g") {
      leader = true;
      leaderTimer = setTimeout(() => (leader = false), 1500);
      return;
    }
    if (event.key === "n" && document.querySelector('a[href="/compose"]')) {
      window.location.assign("/compose");
      return;
    }
    if (calendar) {
      const moves = {
        t: () => calendar.today(),
        j: () => calendar.next(),
        ArrowRight: () => calendar.next(),
        k: () => calendar.prev(),
        ArrowLeft: () => calendar.prev(),
        m: () => calendar.changeView("dayGridMonth"),
        w: () => calendar.changeView("timeGridWeek"),
        d: () => calendar.changeView("timeGridDay"),
      };
      if (moves[event.key]) {
        event.preventDefault();
        moves[event.key]();
      }
    }
  });
})();
