// Dragging a post to another place in the queue: the new order goes to the server as the page's own
// reorder form (the same as the Up and Down buttons, which stay for the keyboard), which answers with
// the queue in its new order and an undo.
(function () {
  "use strict";
  const list = document.getElementById("queue");
  const form = document.getElementById("queue-order");
  if (!list || !form || list.dataset.reorder !== "yes") return;
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li.movable");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.post);
  });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("li.movable");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    if (event.clientY > box.top + box.height / 2) over.after(dragged);
    else over.before(dragged);
  });
  list.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const order = [...list.querySelectorAll("li.movable")].map((item) => item.dataset.post);
    form.elements.order.value = order.join(",");
    form.submit();
  });
  list.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });
})();
