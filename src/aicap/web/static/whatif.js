/* What-if, progressively enhanced: the form is a GET whose address can be shared
   (?w_CONN=2&...&method=power_mean); without JavaScript the server re-renders the page. With it,
   each weight gets a slider beside its number box, the result is fetched and swapped in, and the
   address bar takes the result's shareable address. */
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
  var status = document.getElementById("whatif-status");
  form.querySelectorAll("input[type=number]").forEach(function (box) {
    if (box.disabled) return;
    var s = document.createElement("input");
    s.type = "range"; s.min = box.min; s.max = box.max; s.step = "0.5"; s.value = box.value;
    s.setAttribute("aria-label", box.parentNode.querySelector("span").textContent);
    s.tabIndex = -1;  // the number box stays the keyboard control; the slider is for pointers
    s.addEventListener("input", function () { box.value = s.value; });
    box.addEventListener("input", function () { s.value = box.value; });
    box.insertAdjacentElement("beforebegin", s);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var btn = form.querySelector("button");
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.action + "?" + query;
    btn.disabled = true;
    status.textContent = "…";
    fetch(url)
      .then(function (r) { return r.text().then(function (t) { return [r.status, t]; }); })
      .then(function (res) {
        var doc = new DOMParser().parseFromString(res[1], "text/html");
        var fresh = doc.getElementById("whatif-result");
        var err = doc.querySelector(".error");
        var old = document.querySelector(".error");
        if (old) old.remove();
        if (err) form.insertAdjacentElement("afterend", err);
        document.getElementById("whatif-result").replaceWith(fresh);
        if (res[0] === 200) history.replaceState(null, "", url);
        status.textContent = res[0] === 200 ? "✓" : "";
      })
      .catch(function () { location.href = url; })
      .finally(function () { btn.disabled = false; });
  });
})();
