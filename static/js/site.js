// Behaviour every page shares. Handlers are attached here rather than written into the markup: the Content
// Security Policy forbids inline scripts and on*= attributes.
(function () {
  "use strict";
  // The language menu submits its form as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Print buttons (dashboard, report preview).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
