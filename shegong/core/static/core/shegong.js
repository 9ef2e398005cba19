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

/* Searchable pickers (progressive enhancement): every <select data-sg-filter="…"> gets a
   search box above it that hides the options whose text does not contain what is typed.
   Without JavaScript the plain select still works. Enter in a search box that feeds an
   HTMX list (input[data-sg-search]) does not submit the surrounding form. */
(function () {
  "use strict";
  var counter = 0;
  function enhance(select) {
    if (select.getAttribute("data-sg-filter-ready")) { return; }
    select.setAttribute("data-sg-filter-ready", "1");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.id = (select.id || "sg-select-" + (++counter)) + "-filter";
    box.placeholder = select.getAttribute("data-sg-filter") || "输入名称筛选";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id || "");
    box.setAttribute("data-sg-search", "");
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var show = !text || !option.value || option.text.toLowerCase().indexOf(text) >= 0;
        option.hidden = !show;
        option.disabled = !show && !option.selected;
        if (show && option.value && !first) { first = option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      });
      if (text && first && !select.multiple) { select.value = first.value; }
    });
  }
  function scan(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-sg-filter]"), enhance);
  }
  scan(document);
  document.body.addEventListener("htmx:afterSwap", function (e) { scan(e.target); });
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (e.key === "Enter" && el && el.matches && el.matches("input[data-sg-search]")) {
      e.preventDefault();
    }
  });
})();
