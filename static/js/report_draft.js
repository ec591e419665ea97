// The work report's draft page: add and remove 工作亮点 items and keep their 一是、二是… labels in order.
// Attached here, not in the markup: the Content Security Policy forbids inline scripts.
(function () {
  "use strict";
  var DIGITS = "零一二三四五六七八九";

  // 1–99 as the report numbers them (十, 十一, 二十三), the same rule as reporting/report/numbers.py.
  function numeral(n) {
    if (n <= 0 || n >= 100) { return String(n); }
    var tens = Math.floor(n / 10), ones = n % 10;
    if (tens === 0) { return DIGITS[ones]; }
    return (tens === 1 ? "十" : DIGITS[tens] + "十") + (ones ? DIGITS[ones] : "");
  }

  function renumber(list) {
    list.querySelectorAll("[data-item-number]").forEach(function (label, i) {
      label.textContent = numeral(i + 1) + "是";
    });
  }

  function bindRemove(item, list) {
    var button = item.querySelector("[data-remove-item]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      if (list.querySelectorAll(".draft-item").length > 1) {
        item.remove();
      } else {
        item.querySelector("textarea").value = "";
      }
      renumber(list);
    });
  }

  document.querySelectorAll("[data-items]").forEach(function (fieldset) {
    var list = fieldset.querySelector(".draft-item-list");
    var items = list.querySelectorAll(".draft-item");
    items.forEach(function (item) { bindRemove(item, list); });
    var add = fieldset.querySelector("[data-add-item]");
    add.addEventListener("click", function () {
      var last = list.querySelector(".draft-item:last-child");
      var item = last.cloneNode(true);
      item.querySelector("textarea").value = "";
      list.appendChild(item);
      bindRemove(item, list);
      renumber(list);
      item.querySelector("textarea").focus();
    });
  });

  // Leaving the page with unsaved text asks first; saving does not.
  var form = document.getElementById("draft-form");
  if (form) {
    var changed = false;
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("submit", function () { changed = false; });
    window.addEventListener("beforeunload", function (event) {
      if (changed) { event.preventDefault(); event.returnValue = ""; }
    });
  }
}());
