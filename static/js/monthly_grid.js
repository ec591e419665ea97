// The monthly entry grid (rows: units, columns: figures): keeps the totals row current, moves between cells
// with the arrow keys and Enter, and flags a cell as soon as its row breaks a validation rule. The rules come
// from the table's data-rules attribute; the server checks them again on submit, so this is only a help.
(function () {
  "use strict";
  var table = document.getElementById("entry-grid");
  if (!table) { return; }
  var rules = JSON.parse(table.getAttribute("data-rules") || "[]");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var holds = {
    le: function (a, b) { return a <= b; },
    lt: function (a, b) { return a < b; },
    ge: function (a, b) { return a >= b; },
    gt: function (a, b) { return a > b; },
    eq: function (a, b) { return a === b; },
    ne: function (a, b) { return a !== b; }
  };

  function inputs(row) { return Array.prototype.slice.call(row.querySelectorAll("input[data-figure]")); }

  function valueOf(row, figure) {
    var input = row.querySelector('input[data-figure="' + figure + '"]');
    if (!input || input.value.trim() === "") { return null; }
    var n = Number(input.value);
    return isFinite(n) ? n : null;
  }

  function side(row, figures, constant) {
    var total = constant;
    for (var i = 0; i < figures.length; i++) {
      var v = valueOf(row, figures[i]);
      if (v === null) { return null; }  // a rule is checked only when every figure it names has a value
      total += v;
    }
    return total;
  }

  function checkRow(row) {
    var messages = [];
    inputs(row).forEach(function (input) { input.classList.remove("violation", "violation-warning"); input.removeAttribute("title"); });
    rules.forEach(function (rule) {
      if (!rule.left.length && !rule.right.length) { return; }
      var left = side(row, rule.left, rule.lc);
      var right = side(row, rule.right, rule.rc);
      if (left === null || right === null || holds[rule.op](left, right)) { return; }
      var text = rule.text + "：" + left + " / " + right;
      messages.push(text);
      rule.left.concat(rule.right).forEach(function (figure) {
        var input = row.querySelector('input[data-figure="' + figure + '"]');
        if (input) {
          input.classList.add(rule.error ? "violation" : "violation-warning");
          input.title = text;
        }
      });
    });
    var cell = row.querySelector(".row-check");
    if (cell) { cell.textContent = messages.join("；"); }
  }

  function updateTotals() {
    var heads = table.tHead.rows[0].querySelectorAll("th[data-figure]");
    Array.prototype.forEach.call(heads, function (head, index) {
      var figure = head.getAttribute("data-figure");
      var any = false, sum = 0;
      rows.forEach(function (row) {
        var v = valueOf(row, figure);
        if (v !== null) { any = true; sum += v; }
      });
      var cell = table.querySelector('[data-total="' + index + '"]');
      if (cell) { cell.textContent = any ? String(sum) : ""; }
    });
  }

  function move(input, dRow, dCol) {
    var row = input.closest("tr");
    var r = rows.indexOf(row);
    var cells = inputs(row);
    var c = cells.indexOf(input);
    var target = null;
    if (dRow) {
      var next = rows[r + dRow];
      if (next) { target = next.querySelector('input[data-figure="' + input.getAttribute("data-figure") + '"]'); }
    } else {
      target = cells[c + dCol] || null;
    }
    if (target) { target.focus(); target.select(); }
  }

  table.addEventListener("input", function (event) {
    if (!event.target.matches("input[data-figure]")) { return; }
    checkRow(event.target.closest("tr"));
    updateTotals();
  });
  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches("input[data-figure]")) { return; }
    // Number cells have no caret to move, so left and right always go to the neighbouring cell.
    var moves = { ArrowDown: [1, 0], Enter: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1] };
    if (Object.prototype.hasOwnProperty.call(moves, event.key)) {
      event.preventDefault();  // arrows would step the number; Enter would send the form
      move(input, moves[event.key][0], moves[event.key][1]);
    }
  });
  rows.forEach(checkRow);
  table.setAttribute("data-ready", "1");  // lets a test wait for the script
})();
