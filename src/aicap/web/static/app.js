/* Charts: load the vendored Vega-Lite only on pages that have charts, after the page is shown,
   and only when a chart comes near the screen (nothing on Save-Data or 2G). Without
   JavaScript, or before it loads, the data table beside each chart is the chart. */
(function () {
  "use strict";
  var nodes = document.querySelectorAll(".vl");
  if (!nodes.length) return;
  var conn = navigator.connection || {};
  if (conn.saveData || /(^|-)2g$/.test(conn.effectiveType || "")) return;
  var base = document.currentScript.getAttribute("data-vendor");
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
  function draw(el) {
    libs().then(function () {
      var spec = JSON.parse(document.getElementById(el.id + "-spec").textContent);
      el.hidden = false;
      return window.vegaEmbed(el, spec, { actions: false, renderer: "svg" });
    }).then(function () {
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", el.parentNode.querySelector("figcaption").textContent);
    }).catch(function () { el.hidden = true; });
  }
  if ("IntersectionObserver" in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { io.unobserve(e.target); draw(e.target.querySelector(".vl")); }
      });
    }, { rootMargin: "200px" });
    nodes.forEach(function (n) { io.observe(n.parentNode); });
  } else {
    nodes.forEach(draw);
  }
})();
