/* Page behaviours that used to be inline event handlers, loaded by every page shell (staff,
   citizen portal, volunteer portal): the Content-Security-Policy allows no inline script, so
   markup says what it wants with data-* attributes and this file does it.
   - <select data-sg-autosubmit>: choosing an option submits its form (a month or year picker).
   - <form data-sg-confirm="确定…？">: the browser asks first; "取消" keeps the page as it is.
   - An htmx element with data-sg-send-as="parent" sends its own value under that name (what
     hx-vals="js:{parent: this.value}" did, without eval).
   Both work on content swapped in by htmx (listeners sit on the document). */
(function () {
  "use strict";
  if (window.sgPage) { return; }
  window.sgPage = true;
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("select[data-sg-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form && form.getAttribute && form.getAttribute("data-sg-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:configRequest", function (e) {
    var el = e.detail && e.detail.elt;
    var name = el && el.getAttribute && el.getAttribute("data-sg-send-as");
    if (name) { e.detail.parameters[name] = el.value; }
  });
})();
