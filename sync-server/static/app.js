// Keyboard shortcuts for reviewing (the pages work without this file):
// j / k move between rows, Enter opens the row, a approves, r rejects, i marks "has issues".
// Rejecting and "has issues" need a reason: with the reason field empty, the key puts the cursor
// there; type the reason, press Escape, press the key again.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = i;
    rows[current].classList.add("current");
    rows[current].scrollIntoView({ block: "nearest" });
  }
  function decisionForm() {
    if (rows.length) {
      return current >= 0 ? rows[current].querySelector("form[data-decide]") : null;
    }
    return document.querySelector("form[data-decide]");
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) {
      if (e.key === "Escape") { t.blur(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "j") {
      select(Math.min(current + 1, rows.length - 1));
    } else if (e.key === "k") {
      select(Math.max(current - 1, 0));
    } else if (e.key === "Enter" && current >= 0) {
      var link = rows[current].querySelector("a[data-open]");
      if (link) { link.click(); }
    } else if (e.key === "a" || e.key === "r" || e.key === "i") {
      var form = decisionForm();
      if (!form) { return; }
      var button = form.querySelector('button[data-key="' + e.key + '"]');
      if (!button) { return; }
      var reason = form.querySelector('[name="reason"]');
      if (e.key !== "a" && reason && !reason.value.trim()) {
        reason.focus();
      } else {
        button.click();
      }
    } else {
      return;
    }
    e.preventDefault();
  });
})();
