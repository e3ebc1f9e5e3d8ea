/* Progressive enhancement of long checkbox lists (languages, interests): a search box over
   a short list. Only the ticked options and a few suggestions (the fieldset's
   data-suggested values, else the first ones) or the matches of what was typed are shown,
   so a phone user scrolls little and a keyboard user tabs through a handful of boxes, not
   184. The options stay real checkboxes in the form; without JavaScript the full list
   works. No inline script or style: the page's Content-Security-Policy allows this file. */
(function () {
  "use strict";
  var SHOWN = 6;      // suggestions when nothing is typed
  var MATCHES = 8;    // matches shown while typing

  function norm(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function rowOf(input) { return input.closest("label").parentNode; }
  function labelOf(input) { return input.closest("label").textContent.trim(); }

  function enhance(list) {
    var options = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    if (options.length < 13 || list.dataset.enhanced) { return; }
    list.dataset.enhanced = "1";
    list.classList.add("is-enhanced");
    var group = list.closest("fieldset");
    var texts = group ? group.dataset : {};  // translated by the template
    var legend = group ? group.querySelector("legend") : null;
    var name = legend ? legend.textContent.replace("*", "").trim() : "";
    var suggested = (texts.suggested || "").split(" ").filter(Boolean);
    var suggestions = suggested.length
      ? options.filter(function (i) { return suggested.indexOf(i.value) !== -1; })
      : options.slice(0, SHOWN);
    suggestions.sort(function (a, b) {  // in the order the site gives them
      return suggested.indexOf(a.value) - suggested.indexOf(b.value);
    });

    var search = document.createElement("input");
    search.type = "search";
    search.id = list.id + "_search";
    search.className = "buddy-filter";
    search.setAttribute("aria-label", (texts.filterLabel || "Filter") + (name ? ": " + name : ""));
    search.setAttribute("placeholder", texts.placeholder || "…");
    search.setAttribute("aria-controls", list.id);
    search.setAttribute("autocomplete", "off");
    var status = document.createElement("p");
    status.className = "buddy-help buddy-filter-status";
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(search, list);
    list.parentNode.insertBefore(status, list.nextSibling);

    function show() {
      var q = norm(search.value);
      var visible = [];
      if (q === "") {
        visible = suggestions.slice(0, SHOWN);
      } else {
        var starts = [], contains = [];
        options.forEach(function (input) {
          var text = norm(labelOf(input));
          if (text.indexOf(q) === 0) { starts.push(input); }
          else if (text.indexOf(q) !== -1) { contains.push(input); }
        });
        var all = starts.concat(contains);
        visible = all.slice(0, MATCHES);
        status.textContent = (texts.countLabel || "") + " " + all.length +
          (all.length > MATCHES ? " · " + (texts.moreLabel || "") : "");
      }
      if (q === "") { status.textContent = ""; }
      options.forEach(function (input) {
        rowOf(input).hidden = !input.checked && visible.indexOf(input) === -1;
      });
      // Ticked ones first, then suggestions or matches in their order.
      var order = options.filter(function (i) { return i.checked; })
        .concat(visible.filter(function (i) { return !i.checked; }));
      order.forEach(function (input) { list.appendChild(rowOf(input)); });
    }
    search.addEventListener("input", show);
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();  // Enter ticks the first match instead of sending the form
      var first = options.filter(function (i) { return !rowOf(i).hidden && !i.checked; })[0];
      if (first && search.value) {
        first.checked = true;
        search.value = "";
        show();
      }
    });
    show();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("div.buddy-checklist"), enhance);
    var summary = document.getElementById("buddy-error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {  // a hidden option: its search box
        var link = event.target.closest("a[href^='#']");
        var target = link && document.getElementById(link.hash.slice(1));
        var list = target && target.offsetParent === null && target.closest(".buddy-checklist");
        var search = list && document.getElementById(list.id + "_search");
        if (search) { event.preventDefault(); search.focus(); }
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
