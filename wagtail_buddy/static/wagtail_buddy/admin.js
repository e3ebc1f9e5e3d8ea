/* wagtail-buddy admin: run progress polling, select-all boxes, intake switcher, the cancel
   email preview. No dependencies. */
(function () {
  "use strict";

  function poll(section) {
    var url = section.getAttribute("data-status-url");
    var bar = section.querySelector("[data-buddy-bar]");
    var phase = section.querySelector("[data-buddy-phase]");
    var percent = section.querySelector("[data-buddy-percent]");
    var status = section.querySelector("[data-buddy-status]");
    var meter = section.querySelector("[role=progressbar]");
    var errorBox = section.querySelector("[data-buddy-error]");
    var failures = 0;

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          bar.style.width = data.progress + "%";
          meter.setAttribute("aria-valuenow", data.progress);
          percent.textContent = data.progress + "%";
          phase.textContent = data.phase_label || data.status_label;
          status.textContent = data.status_label;
          if (data.active) {
            window.setTimeout(tick, 700);
          } else {
            // Finished or failed: the server renders the summary.
            window.location.reload();
          }
        })
        .catch(function () {
          failures += 1;
          if (failures > 5) {
            errorBox.hidden = false;
            errorBox.textContent = section.getAttribute("data-offline") || "…";
            return;
          }
          window.setTimeout(tick, 1500 * failures);
        });
    }
    tick();
  }

  document.querySelectorAll("[data-buddy-run]").forEach(function (section) {
    if (section.getAttribute("data-active") === "1") { poll(section); }
  });

  // Delegated: Wagtail's search and filters replace the list's results in place.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-buddy-select-all]")) { return; }
    var form = box.form;
    var boxes = document.querySelectorAll(
      'input[type=checkbox][name=ids][form="' + form.id + '"], #' + form.id + " input[type=checkbox][name=ids]"
    );
    boxes.forEach(function (b) { b.checked = box.checked; });
  });

  document.querySelectorAll("[data-buddy-intake-switch]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (!select.value) { return; }
      var here = window.location.pathname.replace(/\/intake\/\d+\//, "/intake/" + select.value + "/");
      if (here === window.location.pathname) {
        here = here.replace(/buddy\/.*$/, "buddy/intake/" + select.value + "/" + select.getAttribute("data-tab") + "/");
      }
      window.location.href = here;
    });
  });

  // The cancellation email preview shows the message as it is typed (as text, never HTML).
  document.querySelectorAll("[data-buddy-cancel-message]").forEach(function (field) {
    var echo = document.querySelector("[data-buddy-cancel-echo]");
    if (!echo) { return; }
    function update() {
      echo.textContent = field.value.trim() || echo.getAttribute("data-empty");
    }
    field.addEventListener("input", update);
    update();
  });
})();
