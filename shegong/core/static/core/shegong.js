/* Keyboard help for clerks: "/" focuses the page's search box; j/k move through table rows;
   Enter opens the focused row's first link. Nothing here is required to use the pages. */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("main table tbody tr")).filter(function (r) {
      return r.querySelector("a");
    });
  }
  var current = -1;
  function focusRow(i) {
    var list = rows();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r) { r.classList.remove("table-active"); });
    list[current].classList.add("table-active");
    list[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) { return; }
    if (e.key === "/") {
      var box = document.querySelector("main input[name=q], main input[type=search]");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    } else if (e.key === "j") {
      focusRow(current + 1);
    } else if (e.key === "k") {
      focusRow(current - 1);
    } else if (e.key === "Enter" && current >= 0) {
      var link = rows()[current] && rows()[current].querySelector("a");
      if (link) { window.location.href = link.href; }
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () { current = -1; });
})();
