// itops site: client-side search over the index that static/search-index.js defines as a global, so it works from file://.
(function () {
  "use strict";
  var index = window.ITOPS_SEARCH || [];
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");
  if (!input || !list || !count) { return; }
  var root = "";
  var norm = function (s) { return (s || "").toLowerCase(); };  // keeps lengths, so match offsets hold
  var prepared = index.map(function (e) { return { e: e, t: norm(e.t), x: norm(e.x) }; });

  function snippet(text, words) {
    var low = norm(text), at = -1;
    for (var i = 0; i < words.length && at < 0; i++) { at = low.indexOf(words[i]); }
    var start = Math.max(0, at - 60);
    var piece = (start > 0 ? "…" : "") + text.slice(start, start + 200) + (text.length > start + 200 ? "…" : "");
    return piece;
  }

  function mark(node, text, words) {
    var low = norm(text), pos = 0;
    var hits = [];
    words.forEach(function (w) {
      var i = low.indexOf(w);
      while (w && i >= 0) { hits.push([i, i + w.length]); i = low.indexOf(w, i + w.length); }
    });
    hits.sort(function (a, b) { return a[0] - b[0]; });
    hits.forEach(function (h) {
      if (h[0] < pos) { return; }
      node.appendChild(document.createTextNode(text.slice(pos, h[0])));
      var m = document.createElement("mark");
      m.textContent = text.slice(h[0], h[1]);
      node.appendChild(m);
      pos = h[1];
    });
    node.appendChild(document.createTextNode(text.slice(pos)));
  }

  function run() {
    var words = norm(input.value).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { count.textContent = index.length + " pages indexed."; return; }
    var found = [];
    prepared.forEach(function (p) {
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var inTitle = p.t.indexOf(words[i]) >= 0, inText = p.x.indexOf(words[i]) >= 0;
        if (!inTitle && !inText) { return; }
        score += inTitle ? 3 : 1;
      }
      found.push([score, p.e]);
    });
    found.sort(function (a, b) { return b[0] - a[0] || (a[1].t < b[1].t ? -1 : a[1].t > b[1].t ? 1 : 0); });
    count.textContent = found.length + (found.length === 1 ? " page matches." : " pages match.") + (found.length > 100 ? " Showing the first 100." : "");
    found.slice(0, 100).forEach(function (f) {
      var e = f[1], li = document.createElement("li"), k = document.createElement("span"), a = document.createElement("a");
      k.className = "k"; k.textContent = e.k;
      a.href = root + e.u; mark(a, e.t, words);
      li.appendChild(k); li.appendChild(a);
      if (e.x) { var p = document.createElement("p"); mark(p, snippet(e.x, words), words); li.appendChild(p); }
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { input.value = params.get("q"); }
  input.addEventListener("input", run);
  document.getElementById("search-form").addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
  run();
}());
