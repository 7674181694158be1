/* The static export's search: filters the list of Member States by the ?q= of the form (names
   in the six languages and ISO codes, accents and case ignored); one match opens its profile. */
(function () {
  "use strict";
  function fold(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  var q = new URLSearchParams(location.search).get("q");
  var input = document.getElementById("q-main");
  if (q && input) input.value = q;
  var f = fold(q);
  if (!f) return;
  var items = document.querySelectorAll("#directory li"), shown = [];
  items.forEach(function (li) {
    var keys = fold(li.getAttribute("data-names")).split(" ");
    var hit = keys.some(function (k) { return k.indexOf(f) === 0; }) || fold(li.getAttribute("data-names")).indexOf(f) >= 0;
    li.hidden = !hit;
    if (hit) shown.push(li);
  });
  if (shown.length === 1) location.href = shown[0].querySelector("a").href;
})();
