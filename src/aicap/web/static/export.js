/* The static export's chart downloads (no server, no Vega, no spec: the page's SVG and the
   data table beside each chart carry it): the drawn SVG as a file, a PNG rasterised from it on
   a canvas at twice its size when asked for, and the table as CSV. */
(function () {
  "use strict";
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
  document.querySelectorAll("figure.chart").forEach(function (fig) {
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
  });
})();
