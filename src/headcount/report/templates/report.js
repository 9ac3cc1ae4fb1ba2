// Optional filtering of the findings table. The page is complete without it: the controls stay
// hidden unless this runs, and rows expand with <details> either way.
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  var panel = document.getElementById("finding-filters");
  if (!table || !panel || !table.tBodies.length) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var rule = document.getElementById("filter-rule");
  var severity = document.getElementById("filter-severity");
  var text = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var lowered = null; // built on first search: reading textContent of every row is not free

  function apply() {
    var r = rule.value, s = severity.value, q = text.value.trim().toLowerCase(), shown = 0;
    if (q && lowered === null) {
      lowered = rows.map(function (row) { return row.textContent.toLowerCase(); });
    }
    rows.forEach(function (row, i) {
      var ok = (!r || row.getAttribute("data-rule") === r) &&
        (!s || row.getAttribute("data-severity") === s) &&
        (!q || lowered[i].indexOf(q) !== -1);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = "Showing " + shown.toLocaleString("en-US") + " of " +
      rows.length.toLocaleString("en-US") + " findings in this table.";
  }

  function setOpen(open) {
    rows.forEach(function (row) {
      if (!row.hidden) {
        var d = row.querySelector("details");
        if (d) { d.open = open; }
      }
    });
  }

  rule.addEventListener("change", apply);
  severity.addEventListener("change", apply);
  text.addEventListener("input", apply);
  document.getElementById("expand-all").addEventListener("click", function () { setOpen(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setOpen(false); });
  panel.hidden = false;
  apply();
})();
