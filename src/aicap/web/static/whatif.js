/* What-if, progressively enhanced: the form posts and the server re-renders without
   JavaScript; with it, the page asks the server for the new results and swaps them in. */
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  if (!form || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById("whatif-status");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var btn = form.querySelector("button");
    btn.disabled = true;
    status.textContent = "…";
    fetch(form.action, { method: "POST", body: new FormData(form) })
      .then(function (r) { return r.text().then(function (t) { return [r.status, t]; }); })
      .then(function (res) {
        var doc = new DOMParser().parseFromString(res[1], "text/html");
        var fresh = doc.getElementById("whatif-result");
        var err = doc.querySelector(".error");
        var old = document.querySelector(".error");
        if (old) old.remove();
        if (err) form.insertAdjacentElement("afterend", err);
        document.getElementById("whatif-result").replaceWith(fresh);
        status.textContent = res[0] === 200 ? "✓" : "";
      })
      .catch(function () { form.submit(); })
      .finally(function () { btn.disabled = false; });
  });
})();
