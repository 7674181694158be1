/* Charts: the server draws every chart as SVG (it shows without JavaScript). This script adds,
   per chart, a button that loads the vendored Vega only when the reader asks for the
   interactive chart (tooltips), and in the static export the downloads (SVG of the drawn chart,
   CSV of its data) made in the browser. The embed code gets this site's address. */
(function () {
  "use strict";
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
  function csv(rows) {
    var cols = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
    function cell(v) { v = v == null ? "" : String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
    return [cols.join(",")].concat(rows.map(function (r) { return cols.map(function (c) { return cell(r[c]); }).join(","); })).join("\n") + "\n";
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
    if (dl) {  // static export: downloads made here
      var s = spec(el), name = dl.getAttribute("data-name");
      var svg = el.querySelector("svg");
      var rows = (s.data && s.data.values) || ((s.layer || [])[0] || {}).data && s.layer[0].data.values || [];
      if (svg) dl.appendChild(link("SVG", new Blob([svg.outerHTML], { type: "image/svg+xml" }), name + ".svg"));
      dl.appendChild(document.createTextNode(" · "));
      dl.appendChild(link("CSV", new Blob([csv(rows)], { type: "text/csv" }), name + ".csv"));
    }
    fig.querySelectorAll("details.embed code").forEach(function (c) {
      c.textContent = c.textContent.replace('src="/', 'src="' + location.origin + "/");
    });
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
