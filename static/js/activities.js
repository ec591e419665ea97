// Activity and project forms: photo previews with one caption box per photo, and funding rows that add up.
// Without JavaScript the forms still work: captions are typed one per line, and the project form offers two
// empty funding rows each time it is shown (save, then edit again for more).
// The words shown come from data-msg-* attributes, translated in the templates.
(function () {
  "use strict";

  var ACCEPTED = ["image/jpeg", "image/png"];
  var MAX_BYTES = 10 * 1024 * 1024;

  function setupPhotos(form) {
    var input = form.querySelector("input[type=file][multiple]");
    var previews = form.querySelector("[data-photo-previews]");
    var captions = form.querySelector("textarea[data-photo-captions]");
    if (!input || !previews || !captions) { return; }
    var captionField = captions.closest(".field");
    if (captionField && !captionField.querySelector(".error")) { captionField.hidden = true; }

    function sync() {
      var values = Array.prototype.map.call(previews.querySelectorAll("input[data-caption]"), function (el) {
        return el.value.replace(/\s+/g, " ").trim();
      });
      captions.value = values.join("\n");
    }

    input.addEventListener("change", function () {
      previews.textContent = "";
      Array.prototype.forEach.call(input.files, function (file, index) {
        var item = document.createElement("div");
        item.className = "photo-preview";
        var name = document.createElement("div");
        name.className = "name";
        name.textContent = file.name;
        if (ACCEPTED.indexOf(file.type) === -1) {
          item.classList.add("rejected");
          name.textContent = file.name + "：" + previews.dataset.msgType;
        } else if (file.size > MAX_BYTES) {
          item.classList.add("rejected");
          name.textContent = file.name + "：" + previews.dataset.msgSize;
        } else {
          var img = document.createElement("img");
          img.alt = file.name;
          img.src = URL.createObjectURL(file);
          img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
          item.appendChild(img);
        }
        item.appendChild(name);
        var caption = document.createElement("input");
        caption.type = "text";
        caption.maxLength = 200;
        caption.placeholder = previews.dataset.msgPlaceholder;
        caption.setAttribute("aria-label", previews.dataset.msgLabel.replace("%(n)s", String(index + 1)));
        caption.setAttribute("data-caption", String(index));
        caption.addEventListener("input", sync);
        item.appendChild(caption);
        previews.appendChild(item);
      });
      sync();
    });
  }

  function parseAmount(value) {
    var n = parseFloat(value);
    return isNaN(n) ? 0 : Math.round(n * 100);
  }

  // Funding rows: "再加一行" copies the empty row of the formset; the line under the total shows the cash entered
  // and what it leaves unnamed (未列明来源), and warns when it is more than the total. The server checks the same.
  function setupFunding(fieldset) {
    var rows = fieldset.querySelector("[data-funding-rows]");
    var template = fieldset.querySelector("template[data-funding-template]");
    var addButton = fieldset.querySelector("[data-add-funding]");
    var total = fieldset.querySelector("input[name$=total_investment]") ||
      document.querySelector("input[name=total_investment]");
    var sumBox = fieldset.querySelector("[data-funding-sum]");
    var totalForms = fieldset.querySelector("input[name$=TOTAL_FORMS]");
    if (!rows || !totalForms) { return; }

    function update() {
      var sum = 0;
      rows.querySelectorAll("[data-funding-row]").forEach(function (row) {
        var amount = row.querySelector("input[name$=amount]");
        var remove = row.querySelector("input[name$=DELETE]");
        var inKind = row.querySelector("input[name$=in_kind]");
        if (amount && !(remove && remove.checked) && !(inKind && inKind.checked)) { sum += parseAmount(amount.value); }
      });
      if (!sumBox) { return; }
      var expected = total ? parseAmount(total.value) : 0;
      var over = sum > expected;
      sumBox.textContent = (over ? sumBox.dataset.msgOver : sumBox.dataset.msg)
        .replace("%(sum)s", (sum / 100).toFixed(2))
        .replace("%(total)s", (expected / 100).toFixed(2))
        .replace("%(rest)s", (Math.max(expected - sum, 0) / 100).toFixed(2));
      sumBox.classList.toggle("mismatch", over);
    }

    if (template && addButton) {
      addButton.hidden = false;
      addButton.addEventListener("click", function () {
        var index = parseInt(totalForms.value, 10);
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
        var row = holder.firstElementChild;
        rows.appendChild(row);
        totalForms.value = String(index + 1);
        var first = row.querySelector("select, input");
        if (first) { first.focus(); }
        update();
      });
    }
    fieldset.addEventListener("input", update);
    fieldset.addEventListener("change", update);
    if (total) { total.addEventListener("input", update); }
    update();
  }

  document.querySelectorAll("form").forEach(setupPhotos);
  document.querySelectorAll("[data-funding]").forEach(setupFunding);
})();
