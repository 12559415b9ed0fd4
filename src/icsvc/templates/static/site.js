// icsvc site: the queue pages' filters and the search page. Plain script, no library,
// nothing fetched: the search index is a script beside this one (static/search-index.js),
// so the site works from a web server and straight from the disk alike. Text is put in
// the page as text (textContent), never as markup.
(function () {
  "use strict";

  function queueFilters(box) {
    var table = document.getElementById("queue");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var inputs = Array.prototype.slice.call(box.querySelectorAll("[data-key]"));
    var count = box.querySelector("[data-count]");
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var keep = inputs.every(function (input) {
          var want = input.value.trim().toLowerCase();
          if (!want) { return true; }
          var key = input.getAttribute("data-key");
          var have = (row.getAttribute("data-" + key) || "").toLowerCase();
          return key === "text" ? have.indexOf(want) !== -1 : have === want;
        });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " shown";
    }
    inputs.forEach(function (input) {
      input.addEventListener("input", apply);
      input.addEventListener("change", apply);
    });
    box.hidden = false;
    apply();
  }

  function words(text) {
    return text.toLowerCase().split(/[^0-9a-z\u00c0-\uffff]+/).filter(Boolean);
  }

  // An entry matches when every typed word is the start of its ID or of a word of its title.
  function matches(entry, terms) {
    var id = entry[0].toLowerCase();
    var titleWords = words(entry[1]);
    return terms.every(function (term) {
      if (id.indexOf(term) === 0) { return true; }
      return titleWords.some(function (w) { return w.indexOf(term) === 0; });
    });
  }

  function search(form) {
    var index = window.ICSVC_SEARCH || [];
    var input = form.querySelector("input");
    var list = document.querySelector("[data-results]");
    var summary = document.querySelector("[data-summary]");
    var limit = 200;
    function run() {
      var terms = words(input.value);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!terms.length) {
        summary.textContent = index.length + " requests; type to search.";
        return;
      }
      var found = index.filter(function (entry) { return matches(entry, terms); });
      found.slice(0, limit).forEach(function (entry) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entry[4];
        link.textContent = entry[0];
        item.appendChild(link);
        item.appendChild(document.createTextNode(" " + entry[1] + " (" + entry[2] + ", " +
                                                 entry[3] + ")"));
        list.appendChild(item);
      });
      summary.textContent = found.length + " found" +
        (found.length > limit ? ", the first " + limit + " shown" : "") + ".";
    }
    var given = new URLSearchParams(window.location.search).get("q");
    if (given) { input.value = given; }
    input.addEventListener("input", run);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    run();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var filters = document.querySelector("[data-filters]");
    if (filters) { queueFilters(filters); }
    var form = document.querySelector("[data-search]");
    if (form) { search(form); }
  });
}());
