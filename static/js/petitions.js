// Register/edit form: the people's-mediation fields matter only for a dispute (矛盾纠纷) case, so they are
// hidden for a petition unless they already hold a value; the persons count follows the group checkbox.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) { return; }
  var names = ["mediator", "mediated_on", "agreement_reached", "agreement_summary"];
  var blocks = names.map(function (name) { return document.querySelector('[data-field="' + name + '"]'); })
    .filter(function (el) { return el !== null; });

  function hasValue(block) {
    var input = block.querySelector("input, select, textarea");
    return input && input.value && input.value !== "unknown";
  }

  function sync() {
    var dispute = kind.value === "dispute";
    blocks.forEach(function (block) { block.hidden = !dispute && !hasValue(block); });
  }

  kind.addEventListener("change", sync);
  sync();

  var group = document.getElementById("id_is_group");
  var persons = document.getElementById("id_persons");
  if (group && persons) {
    group.addEventListener("change", function () {
      if (group.checked && Number(persons.value) < 2) { persons.value = 2; }
    });
  }
})();
