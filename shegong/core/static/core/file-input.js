/* The file input in Chinese: a "选择文件" button and the chosen file names instead of the
   browser's own "Choose Files / No file chosen" (which follows the browser's language).
   Progressive enhancement: without this script the native input is shown and works.
   Used through {% file_input %} (core/partials/_file_input.html); loaded once however many
   controls a page has, and picks up controls swapped in by htmx. */
(function () {
  "use strict";
  if (window.sgFileInput) { return; }
  window.sgFileInput = true;

  function describe(input) {
    var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    if (!files.length) { return null; }
    if (files.length === 1) { return "已选择：" + files[0]; }
    return "已选择 " + files.length + " 个文件：" + files.join("、");
  }

  function update(input) {
    var box = input.closest("[data-sg-file]");
    var name = box && box.querySelector("[data-sg-file-name]");
    if (!name) { return; }
    var text = describe(input);
    name.textContent = text || name.getAttribute("data-empty");
    name.classList.toggle("is-chosen", !!text);
  }

  function enhance(root) {
    (root || document).querySelectorAll("[data-sg-file]").forEach(function (box) {
      box.classList.add("sg-file-ready");
      var input = box.querySelector("input[type=file]");
      if (input) { update(input); }
    });
  }

  document.addEventListener("change", function (e) {
    if (e.target && e.target.matches && e.target.matches("[data-sg-file] input[type=file]")) {
      update(e.target);
    }
  });
  document.addEventListener("reset", function (e) {
    setTimeout(function () { enhance(e.target); }, 0);
  }, true);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (e) { enhance(e.target); });
})();
