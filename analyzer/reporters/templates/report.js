(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("apilint-data").textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll("#route-table tbody tr.route"));
  var app = document.getElementById("f-app"), fw = document.getElementById("f-fw");
  var step = document.getElementById("f-step"), status = document.getElementById("f-status");
  var search = document.getElementById("f-search"), count = document.getElementById("f-count");
  var labels = {"met": "met", "declared": "met (declared)", "failed": "failed", "unknown": "unknown", "n/a": "n/a"};
  var classes = {"m": "met", "d": "declared", "f": "failed", "u": "unknown", "n": "n/a"};
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });

  function statuses(row) {
    return Array.prototype.slice.call(row.children, 3).map(function (td) { return classes[td.className]; });
  }

  function closeDetail(row) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("detail")) { next.parentNode.removeChild(next); }
    row.classList.remove("open");
    row.setAttribute("aria-expanded", "false");
  }

  function apply() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    rows.forEach(function (row, n) {
      var ok = (!app.value || row.getAttribute("data-app") === app.value) &&
               (!fw.value || row.getAttribute("data-fw") === fw.value);
      if (ok && status.value) {
        var cells = statuses(row);
        var wanted = status.value === "met" ? ["met", "declared"] : [status.value];
        ok = step.value ? wanted.indexOf(cells[Number(step.value)]) >= 0
                        : cells.some(function (s) { return wanted.indexOf(s) >= 0; });
      } else if (ok && step.value) {
        ok = statuses(row)[Number(step.value)] !== "n/a";
      }
      ok = ok && terms.every(function (t) { return texts[n].indexOf(t) >= 0; });
      if (!ok) { closeDetail(row); }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " routes";
  }

  function item(list, text) {
    var li = document.createElement("li");
    li.textContent = text;
    list.appendChild(li);
  }

  function text(article, selector) {
    var el = article.querySelector(selector);
    return el ? el.textContent : "";
  }

  // A finding cited by a cell: from its article in the findings list, else from the data block.
  function finding(n) {
    var x = data.findings[n];
    if (!x) {
      var li = document.getElementById("finding-" + n), rule = li.parentNode.parentNode;
      var fix = text(li, ".fix") || text(rule, "p.fix");
      x = [rule.id.replace("rule-", ""), text(li, ".sev"), text(li, ".conf").replace(" confidence", ""),
           text(li, ".where"), text(li, ".msg"), fix.replace(/^Fix:\s*/, "")];
    }
    return x[0] + " [" + x[1] + ", " + x[2] + " confidence] " + x[3] + ": " + x[4] + (x[5] ? " Fix: " + x[5] : "");
  }

  function detail(row) {
    var cells = data.rows[Number(row.getAttribute("data-i"))];
    var tr = document.createElement("tr"), td = document.createElement("td"), ol = document.createElement("ol");
    tr.className = "detail";
    td.colSpan = row.children.length;
    cells.forEach(function (cell, n) {
      var li = document.createElement("li"), head = document.createElement("span"), st = document.createElement("span");
      head.textContent = data.steps[n] + ": ";
      st.className = "st st-" + cell[0].replace("/", "");
      st.textContent = labels[cell[0]];
      li.appendChild(head);
      li.appendChild(st);
      var reason = data.strings[cell[1]];
      if (reason) { li.appendChild(document.createTextNode(" \u2014 " + reason)); }
      if (cell[2].length || cell[3].length) {
        var ul = document.createElement("ul");
        cell[2].forEach(function (s) { item(ul, data.strings[s]); });
        cell[3].forEach(function (f) { item(ul, finding(f)); });
        li.appendChild(ul);
      }
      ol.appendChild(li);
    });
    td.appendChild(ol);
    tr.appendChild(td);
    return tr;
  }

  function toggle(row) {
    if (row.classList.contains("open")) { closeDetail(row); return; }
    row.parentNode.insertBefore(detail(row), row.nextSibling);
    row.classList.add("open");
    row.setAttribute("aria-expanded", "true");
  }

  rows.forEach(function (row) {
    row.setAttribute("aria-expanded", "false");
    row.addEventListener("click", function () { toggle(row); });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(row); }
    });
  });
  // Tooltips are built on demand: "Step: status" for the cell under the pointer.
  document.getElementById("route-table").addEventListener("mouseover", function (event) {
    var td = event.target.closest ? event.target.closest("td") : null;
    if (td && !td.title && classes[td.className]) {
      td.title = data.steps[td.cellIndex - 3] + ": " + labels[classes[td.className]];
    }
  });
  [app, fw, step, status].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
}());
