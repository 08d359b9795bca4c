// Search as you type: fill the search box's datalist with completions from /api/suggest.
// The page works without it; it only adds suggestions.
(function () {
  "use strict";
  var input = document.querySelector('.search input[name="q"]');
  var list = document.getElementById("completions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var pending = null;

  function fill(completions) {
    list.replaceChildren();
    completions.forEach(function (completion) {
      var option = document.createElement("option");
      option.value = completion.text;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (pending) pending.abort();
      pending = new AbortController();
      fetch("/api/suggest?q=" + encodeURIComponent(input.value), { signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : { completions: [] }; })
        .then(function (data) { fill(data.completions); })
        .catch(function () {});
    }, 150);
  });
})();
