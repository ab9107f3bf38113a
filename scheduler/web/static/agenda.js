// The calendar across accounts, drawn by FullCalendar over the page's own list (which stays, one click
// away, for keyboards and screen readers). A post dropped at another time is moved by the server, with
// the same checks as everywhere (budget, state, whose post it is): refused, it goes back and the reason
// is shown; done, the editor can undo it.
(function () {
  "use strict";
  const words = window.pageWords; // words.js: the page's language
  const el = document.getElementById("desk-calendar");
  if (!el || !window.FullCalendar) return;
  const status = document.getElementById("calendar-status");
  const list = document.getElementById("calendar-list");
  const views = { month: "dayGridMonth", week: "timeGridWeek", day: "timeGridDay" };

  const say = (text, refused, undo) => {
    status.textContent = text;
    status.classList.toggle("refused", Boolean(refused));
    if (undo) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = words.say("Undo");
      button.addEventListener("click", undo, { once: true });
      status.append(" ", button);
    }
  };

  const move = async (postId, at) => {
    const form = new FormData();
    form.append(el.dataset.csrfField, el.dataset.csrf);
    form.append("post", String(postId));
    form.append("at", at);
    try {
      const response = await fetch("/calendar/move", {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!(response.headers.get("content-type") || "").includes("json")) {
        return { done: false, message: words.say("Not moved: your session has ended. Reload the page and sign in again.") };
      }
      return await response.json();
    } catch (error) {
      return { done: false, message: words.say("Not moved: the server did not answer. Check the connection and try again.") };
    }
  };

  const events = async (info, ok, fail) => {
    const free = info.start && calendar && calendar.view.type.startsWith("timeGrid") ? "&free=true" : "";
    const url = `${el.dataset.events}&start=${encodeURIComponent(info.startStr)}` +
      `&end=${encodeURIComponent(info.endStr)}${free}`;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const answer = await response.json();
      if (!response.ok) {
        say(answer.detail || words.say("The calendar could not be read."), true);
        fail(new Error(answer.detail));
        return;
      }
      ok(answer);
    } catch (error) {
      say(words.say("The calendar could not be read: the server did not answer."), true);
      fail(error);
    }
  };

  let calendar = null;
  calendar = new FullCalendar.Calendar(el, {
    initialView: views[el.dataset.view] || "timeGridWeek",
    initialDate: el.dataset.day,
    firstDay: Number(el.dataset.firstDay),
    timeZone: "local",
    locale: words.lang, // dates in the page's language (through the browser's Intl); the buttons' words below
    buttonText: { today: words.say("today"), month: words.say("month"), week: words.say("week"), day: words.say("day") },
    headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay" },
    nowIndicator: true,
    height: "auto",
    editable: true, // each event says whether this viewer may move it
    eventDurationEditable: false,
    dayMaxEvents: 6,
    eventDisplay: "block", // in the account's colour in the month view too, not a dot
    events,
    // FullCalendar's own markup, made to pass axe: its arrow icons are decoration (the buttons have
    // titles); a day's number is named with the number it shows first, and a day's cell by what it
    // shows (its number and its posts), not by the number alone.
    datesSet: () => {
      for (const icon of el.querySelectorAll(".fc-icon")) icon.setAttribute("aria-hidden", "true");
    },
    dayCellDidMount: (info) => {
      info.el.removeAttribute("aria-labelledby");
      const number = info.el.querySelector(".fc-daygrid-day-number[aria-label]");
      if (number && !number.getAttribute("aria-label").startsWith(number.textContent)) {
        number.setAttribute("aria-label", `${number.textContent}, ${number.getAttribute("aria-label")}`);
      }
    },
    eventDidMount: (info) => {
      const props = info.event.extendedProps;
      if (props.free) return;
      info.el.setAttribute("title", `${info.event.title}\n${props.local} · ${props.state}`);
      info.el.dataset.post = String(props.post);
      info.el.dataset.state = props.state;
    },
    eventDrop: async (info) => {
      const id = info.event.extendedProps.post;
      const answer = await move(id, info.event.start.toISOString());
      if (!answer.done) {
        info.revert();
        say(answer.message, true);
        return;
      }
      calendar.refetchEvents();
      say(answer.message, false, async () => {
        const back = await move(id, answer.was);
        say(back.done ? words.say("Undone. %(message)s", { message: back.message }) : back.message, !back.done);
        calendar.refetchEvents();
      });
    },
  });
  calendar.render();
  window.deskCalendar = calendar; // for the keyboard shortcuts (shortcuts.js)
  document.body.classList.add("has-calendar");

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "list-toggle";
  toggle.setAttribute("aria-controls", "calendar-list");
  const showList = (shown) => {
    list.hidden = false;
    document.body.classList.toggle("has-calendar", !shown);
    toggle.textContent = shown ? words.say("Hide the list") : words.say("Show as a list (keyboard: move posts from there)");
    toggle.setAttribute("aria-expanded", String(shown));
  };
  toggle.addEventListener("click", () => showList(document.body.classList.contains("has-calendar")));
  el.before(toggle);
  showList(false);
})();
