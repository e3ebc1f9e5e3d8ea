/* Progressive enhancement of long checkbox lists (languages, interests): a filter box and
   removable chips for the ticked options. Without JavaScript the plain list works. */
(function () {
  "use strict";
  function norm(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function enhance(list) {
    var options = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    if (options.length < 13 || list.dataset.enhanced) { return; }
    list.dataset.enhanced = "1";
    var group = list.closest("fieldset");
    var legend = group ? group.querySelector("legend") : null;
    var name = legend ? legend.textContent.replace("*", "").trim() : "";
    var texts = group ? group.dataset : {};  // translated by the template
    var filterLabel = (texts.filterLabel || "Filter") + (name ? ": " + name : "");
    var search = document.createElement("input");
    search.type = "search";
    search.className = "buddy-filter";
    search.setAttribute("aria-label", filterLabel);
    search.setAttribute("placeholder", texts.placeholder || "…");
    search.setAttribute("aria-controls", list.id);
    var chips = document.createElement("ul");
    chips.className = "buddy-chips";
    chips.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(chips, list);
    list.parentNode.insertBefore(search, list);

    function labelOf(input) { return input.closest("label").textContent.trim(); }
    function drawChips() {
      chips.textContent = "";
      options.forEach(function (input) {
        if (!input.checked) { return; }
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "buddy-chip";
        button.textContent = labelOf(input) + " ×";
        button.setAttribute("aria-label", labelOf(input) + " – " + (texts.removeLabel || "×"));
        button.addEventListener("click", function () {
          input.checked = false; drawChips(); search.focus();
        });
        li.appendChild(button);
        chips.appendChild(li);
      });
    }
    search.addEventListener("input", function () {
      var q = norm(search.value);
      options.forEach(function (input) {
        var row = input.closest("label").parentNode;
        row.hidden = q !== "" && norm(labelOf(input)).indexOf(q) === -1 && !input.checked;
      });
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter ticks the first visible match instead of submitting
        event.preventDefault();
        var first = options.filter(function (i) { return !i.closest("label").parentNode.hidden && !i.checked; })[0];
        if (first && search.value) { first.checked = true; search.value = ""; search.dispatchEvent(new Event("input")); drawChips(); }
      }
    });
    list.addEventListener("change", drawChips);
    drawChips();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("div.buddy-checklist"), enhance);
    var summary = document.getElementById("buddy-error-summary");
    if (summary) { summary.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
