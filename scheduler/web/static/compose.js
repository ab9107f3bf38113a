// The composer saves as the editor types: each change goes to /compose/ID/autosave (which answers with
// every account's preview), numbered so that a late answer never overwrites a later save. Until the
// server has a change, a copy stays in this browser: a reload or a lost connection loses nothing, and
// what the server has not got yet is sent again when the connection is back.
(function () {
  "use strict";
  const words = window.pageWords; // words.js: the page's language
  const form = document.getElementById("composer");
  if (!form) return;
  const status = document.getElementById("save-status");
  const previews = document.getElementById("previews");
  const key = `compose-${form.dataset.draft}`;
  let version = Number(form.dataset.version) || 0;
  let timer = null;
  let sending = false;
  let again = false;

  const fields = () => [...new FormData(form).entries()].filter(([name]) => name !== "action");
  const keep = () => localStorage.setItem(key, JSON.stringify({ version, fields: fields() }));
  const kept = () => {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  };

  const showReaderTimes = () => {
    for (const when of previews.querySelectorAll("time[datetime]")) {
      const mine = when.parentElement.querySelector(".reader-time");
      if (!mine) continue;
      const local = new Date(when.getAttribute("datetime"));
      mine.textContent = words.say("· your time: %(time)s", { time: local.toLocaleString(words.lang, { dateStyle: "medium", timeStyle: "short" }) });
    }
  };

  const showCustomFor = () => {
    const boxes = [...form.querySelectorAll('input[name="accounts"]:checked')];
    const chosen = new Set(boxes.map((box) => box.dataset.network));
    const send = document.getElementById("send-button");
    if (send) send.textContent = words.count("Send to %(num)s account", "Send to %(num)s accounts", boxes.length);
    for (const block of form.querySelectorAll("details.custom")) block.hidden = !chosen.has(block.dataset.network);
  };

  const save = async () => {
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    const sent = version;
    const body = new FormData(form);
    body.set("version", String(sent));
    body.delete("action");
    try {
      const response = await fetch(`/compose/${form.dataset.draft}/autosave`, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!(response.headers.get("content-type") || "").includes("json")) {
        status.textContent = words.say("Not saved: your session has ended. Sign in again in another tab; your words are kept here.");
      } else {
        const answer = await response.json();
        if (response.ok) {
          previews.innerHTML = answer.previews;
          showReaderTimes();
          form.elements.version.value = String(answer.version);
          const copy = kept();
          if (copy && copy.version <= answer.version) localStorage.removeItem(key);
          status.textContent = words.say("Saved %(time)s.", { time: new Date().toLocaleTimeString(words.lang) });
        } else {
          status.textContent = answer.message || words.say("Not saved.");
        }
      }
    } catch (error) {
      status.textContent = words.say("Not saved yet: no connection. Your words are kept in this browser and sent when it is back.");
      setTimeout(save, 5000);
    } finally {
      sending = false;
      if (again || version > sent) {
        again = false;
        if (version > sent) save();
      }
    }
  };

  const changed = () => {
    version += 1;
    keep();
    status.textContent = words.say("Saving…");
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  };

  // What this browser kept and the server had not got yet (a reload mid-edit, a lost connection).
  const copy = kept();
  if (copy && copy.version > version) {
    const pairs = copy.fields;
    for (const element of form.elements) {
      if (!element.name || element.type === "hidden" || element.type === "submit") continue;
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = pairs.some(([name, value]) => name === element.name && value === element.value);
      } else {
        const found = pairs.find(([name]) => name === element.name);
        if (found) element.value = found[1];
      }
    }
    version = copy.version;
    status.textContent = words.say("Restored what you wrote that had not been saved; saving it now.");
    save();
  }
  showCustomFor();
  showReaderTimes();
  form.addEventListener("input", changed);
  form.addEventListener("change", (event) => {
    if (event.target.name === "accounts") showCustomFor();
  });
  window.addEventListener("online", () => save());
  const groups = document.getElementById("group-id");
  if (groups) {
    const use = form.querySelector('button[value="use-group"]');
    use.addEventListener("click", (event) => {
      event.preventDefault();
      const members = groups.selectedOptions[0].dataset.accounts.split(",");
      for (const box of form.querySelectorAll('input[name="accounts"]')) {
        if (members.includes(box.value)) box.checked = true;
      }
      showCustomFor();
      changed();
    });
  }
})();
