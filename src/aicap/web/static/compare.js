/* The static export's comparison: the page holds every Member State's row; the 2-5 countries
   of ?c= (repeated, or separated by commas; ISO codes or names in the six languages, accents
   and case ignored) are kept, in the order given, and the form shows them. Without a valid
   ?c= the table stays whole (it is also the page without JavaScript). */
(function () {
  "use strict";
  function fold(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  var table = document.getElementById("t-compare");
  var err = document.getElementById("compare-error");
  if (!table || !err) return;
  var items = [];
  new URLSearchParams(location.search).getAll("c").forEach(function (v) {
    v.split(/[,;]/).forEach(function (p) { if (p.trim()) items.push(p.trim()); });
  });
  if (!items.length) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function find(text) {
    var code = text.toUpperCase(), f = fold(text);
    var exact = rows.filter(function (r) {
      return r.getAttribute("data-iso3") === code ||
        r.getAttribute("data-names").split("|").some(function (n) { return fold(n) === f; });
    });
    if (exact.length) return exact[0];
    var some = rows.filter(function (r) {
      return r.getAttribute("data-names").split("|").some(function (n) { return fold(n).indexOf(f) === 0; });
    });
    return some.length === 1 ? some[0] : null;
  }
  var chosen = [], unknown = [];
  items.forEach(function (t) {
    var r = find(t);
    if (!r) unknown.push(t);
    else if (chosen.indexOf(r) < 0) chosen.push(r);
  });
  var inputs = document.querySelectorAll("#compare-form input[name=c]");
  chosen.forEach(function (r, i) { if (inputs[i]) inputs[i].value = r.getAttribute("data-iso3"); });
  if (unknown.length) {
    err.textContent = err.getAttribute("data-unknown") + " " + unknown.join(", ");
    err.hidden = false;
    return;
  }
  if (chosen.length === 1 && items.length === 1) return;  // "compare with": the form prefilled
  if (chosen.length < 2 || chosen.length > 5) {
    err.textContent = err.getAttribute("data-few");
    err.hidden = false;
    return;
  }
  var body = table.tBodies[0];
  rows.forEach(function (r) { r.hidden = chosen.indexOf(r) < 0; });
  chosen.forEach(function (r) { body.appendChild(r); });
  table.setAttribute("data-compared", chosen.map(function (r) { return r.getAttribute("data-iso3"); }).join(","));
})();
