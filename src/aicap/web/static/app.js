/* Charts: the server draws every chart as SVG (it shows without JavaScript). On the live site
   this script adds, per chart, a button that loads the vendored Vega only when the reader asks
   for the interactive chart (tooltips); in the static export (no Vega, no spec: the SVG and the
   table carry the chart) it makes the downloads: the drawn SVG, and the chart's data table as
   CSV. The embed code gets this site's address. */
(function () {
  "use strict";
  // a link to a folded recommendation (#rec-ID) opens it
  function unfold() {
    var t = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var d = t; d; d = d.parentElement) { if (d.tagName === "DETAILS") d.open = true; }
    var inner = t && t.querySelector("details.rec");
    if (inner) inner.open = true;
  }
  window.addEventListener("hashchange", unfold);
  unfold();
  var figs = document.querySelectorAll("figure.chart");
  if (!figs.length) return;
  var me = document.currentScript;
  var base = me.getAttribute("data-vendor");
  var label = me.getAttribute("data-interactive") || "Interactive chart";
  var loading = null;
  function script(src) {
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = base + src; s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }
  function libs() {
    if (!loading) {
      loading = script("vega.min.js").then(function () { return script("vega-lite.min.js"); })
        .then(function () { return script("vega-embed.min.js"); });
    }
    return loading;
  }
  function spec(el) { return JSON.parse(document.getElementById(el.id + "-spec").textContent); }
  function tableCsv(table) {
    function cell(v) { v = v.trim(); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
    return Array.prototype.map.call(table.querySelectorAll("tr"), function (tr) {
      return Array.prototype.map.call(tr.children, function (c) { return cell(c.textContent); }).join(",");
    }).join("\n") + "\n";
  }
  function link(text, blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name; a.textContent = text;
    return a;
  }
  figs.forEach(function (fig) {
    var el = fig.querySelector(".vl");
    if (!el) return;
    var dl = fig.querySelector("p.dl[data-name]");
    if (dl) {  // static export: the drawn SVG and the data table beside the chart, as files
      var name = dl.getAttribute("data-name"), svg = el.querySelector("svg");
      var table = document.getElementById(el.getAttribute("data-table"));
      if (svg) dl.appendChild(link("SVG", new Blob([svg.outerHTML], { type: "image/svg+xml" }), name + ".svg"));
      if (table) {
        dl.appendChild(document.createTextNode(" · "));
        dl.appendChild(link("CSV", new Blob([tableCsv(table)], { type: "text/csv" }), name + ".csv"));
      }
    }
    fig.querySelectorAll("details.embed code").forEach(function (c) {
      c.textContent = c.textContent.replace('src="/', 'src="' + location.origin + "/");
    });
    if (!document.getElementById(el.id + "-spec")) return;  // static export: no Vega
    var b = document.createElement("button");
    b.type = "button"; b.className = "interactive"; b.textContent = label;
    b.addEventListener("click", function () {
      b.disabled = true;
      libs().then(function () {
        return window.vegaEmbed(el, spec(el), { actions: false, renderer: "svg" });
      }).then(function () {
        el.setAttribute("role", "img");
        el.setAttribute("aria-label", fig.querySelector("figcaption").textContent);
        b.remove();
      }).catch(function () { b.disabled = false; });
    });
    fig.insertBefore(b, fig.querySelector("figcaption"));
  });
})();
