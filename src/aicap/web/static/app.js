/* Charts: the server draws every chart as SVG (it shows without JavaScript). On the live site
   this script adds, per chart, a button that loads the vendored Vega only when the reader asks
   for the interactive chart (tooltips); the embed code gets this site's address. The static
   export's downloads are made by export.js (no Vega, no spec there). */
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
  figs.forEach(function (fig) {
    var el = fig.querySelector(".vl");
    if (!el) return;
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
