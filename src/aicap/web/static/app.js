/* Charts: the server draws every chart as SVG (it shows without JavaScript). On the live site
   this script adds, per chart, a button that loads the vendored Vega only when the reader asks
   for the interactive chart (tooltips); in the static export (no Vega, no spec: the SVG and the
   table carry the chart) it makes the downloads: the drawn SVG as a file, a PNG rasterised
   from it in the browser, and the chart's data table as CSV. The embed code gets this site's
   address. */
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
  // the inline SVG as a file of its own: its size back, the page's attributes off
  function svgFile(svg) {
    var c = svg.cloneNode(true);
    ["width", "height"].forEach(function (k) {
      var v = c.getAttribute("data-" + k);
      if (v) { c.setAttribute(k, v); c.removeAttribute("data-" + k); }
    });
    ["style", "aria-labelledby", "focusable", "role"].forEach(function (k) { c.removeAttribute(k); });
    return new XMLSerializer().serializeToString(c);
  }
  // PNG at twice the chart's size, drawn from the SVG on a canvas when asked for
  function pngLink(svg, name) {
    var a = document.createElement("a");
    a.href = "#"; a.download = name; a.textContent = "PNG";
    a.addEventListener("click", function (e) {
      if (a.getAttribute("data-ready")) return;
      e.preventDefault();
      var w = +svg.getAttribute("data-width") || svg.getBoundingClientRect().width;
      var h = +svg.getAttribute("data-height") || svg.getBoundingClientRect().height;
      var img = new Image();
      img.onload = function () {
        var c = document.createElement("canvas");
        c.width = Math.round(w * 2); c.height = Math.round(h * 2);
        var g = c.getContext("2d");
        g.fillStyle = "#ffffff"; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, c.width, c.height);
        c.toBlob(function (b) {
          a.href = URL.createObjectURL(b); a.setAttribute("data-ready", "1"); a.click();
        }, "image/png");
      };
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgFile(svg));
    });
    return a;
  }
  figs.forEach(function (fig) {
    var el = fig.querySelector(".vl");
    if (!el) return;
    var dl = fig.querySelector("p.dl[data-name]");
    if (dl) {  // static export: the drawn SVG and the data table beside the chart, as files
      var name = dl.getAttribute("data-name"), svg = el.querySelector("svg");
      var table = document.getElementById(el.getAttribute("data-table"));
      var live = dl.firstChild;  // the static text (interactive chart: live application)
      var add = function (a) {
        dl.insertBefore(a, live);
        if (live) dl.insertBefore(document.createTextNode(" · "), live);
        else if (a.textContent !== "CSV") dl.appendChild(document.createTextNode(" · "));
      };
      dl.insertBefore(document.createTextNode(dl.getAttribute("data-label") + ": "), live);
      if (svg) {
        add(link("SVG", new Blob([svgFile(svg)], { type: "image/svg+xml" }), name + ".svg"));
        add(pngLink(svg, name + ".png"));
      }
      if (table) add(link("CSV", new Blob([tableCsv(table)], { type: "text/csv" }), name + ".csv"));
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
