/*
 * Contact and company lists: "select all N matching". Once every row of the page is ticked, the bulk bar offers
 * to extend the selection to every record matching the list's filters (the count comes from #list-count, which
 * the page loads after it shows). Choosing it sets the bulk form's all_matching input: the server then applies
 * the action to all of them, in batches, to those the user may change. Unticking any row goes back to the
 * ticked rows. Without JavaScript the bulk actions apply to the ticked rows only.
 */
(function () {
  "use strict";

  var doc = document;

  function all(scope, selector) {
    return Array.prototype.slice.call(scope.querySelectorAll(selector));
  }

  function parts() {
    var form = doc.getElementById("bulk-form");
    var box = form && form.querySelector("[data-select-matching]");
    if (!box) return null;
    return { form: form, box: box, input: form.querySelector("[data-all-matching]") };
  }

  function pageBoxes() {
    return all(doc, 'input[type="checkbox"][name="ids"][form="bulk-form"]');
  }

  function matchingCount() {
    var counter = doc.getElementById("list-count");
    if (!counter || !counter.hasAttribute("data-count")) return null;
    return { n: Number(counter.getAttribute("data-count")), capped: counter.hasAttribute("data-capped") };
  }

  function show(p, chosen) {
    var boxes = pageBoxes();
    var everyRow = boxes.length > 0 && boxes.every(function (b) { return b.checked; });
    var count = matchingCount();
    var offer = everyRow && count !== null && (count.capped || count.n > boxes.length);
    if (!offer) chosen = false;
    p.input.value = chosen ? "1" : "";
    p.box.hidden = !offer;
    var text = count ? count.n.toLocaleString() : "";
    all(p.box, "[data-matching-count]").forEach(function (el) { el.textContent = text; });
    p.box.querySelector("[data-matching-offer]").hidden = chosen || (count && count.capped);
    p.box.querySelector("[data-matching-too-many]").hidden = !(count && count.capped);
    p.box.querySelector("[data-matching-chosen]").hidden = !chosen;
    all(doc, '[data-selected-count="ids"]').forEach(function (el) {
      if (chosen) el.textContent = text;
    });
  }

  function sync() {
    var p = parts();
    if (p) window.setTimeout(function () { show(p, p.input.value === "1"); }, 0);
  }

  doc.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.type === "checkbox" && (el.name === "ids" || el.hasAttribute("data-select-all"))) {
      var p = parts();
      if (p) p.input.value = "";  // a changed tick ends "all matching"
      sync();
    }
  });

  doc.addEventListener("click", function (event) {
    var el = event.target instanceof Element && event.target.closest("[data-matching-on], [data-matching-off]");
    var p = el && parts();
    if (!p) return;
    show(p, el.hasAttribute("data-matching-on"));
    if (window.Rapport && window.Rapport.announce) {
      window.Rapport.announce(p.input.value === "1" ? "Every matching record is selected." : "Only this page is selected.");
    }
  });

  // The count arrives after the page: offer again once it is there.
  doc.addEventListener("htmx:afterSettle", sync);
  doc.addEventListener("DOMContentLoaded", sync);
})();
