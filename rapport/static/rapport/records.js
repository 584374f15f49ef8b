/*
 * Contact and company pages. Everything here enhances pages that also work without JavaScript.
 *
 *  - rows of multi-valued parts (emails, phones, addresses...): [data-add-row] adds a row from the part's
 *    <template data-row-template> (without JS the button submits and the server adds it); [data-remove-row]
 *    empties and hides a row (empty rows are ignored on save)
 *  - record pickers: input[data-lookup] fills its <datalist> from the lookup URL as the user types
 *  - the filter builder: [data-add-filter] adds a condition, [data-remove-filter] removes one, choosing
 *    "is empty" hides the value; [data-panel-toggle] shows and hides the filter panel
 *  - bulk actions: only the inputs of the chosen action show; form[data-include-selected] (export) posts
 *    the ticked rows' ids too
 *  - saved views: form[data-current-query] posts the list's current query string
 *  - in-place editing on cards: Escape cancels, focus goes to the form and back to the edit button
 */
(function () {
  "use strict";

  var doc = document;

  function each(scope, selector, fn) {
    if (scope.matches && scope.matches(selector)) fn(scope);
    Array.prototype.forEach.call(scope.querySelectorAll(selector), fn);
  }

  function announce(text) {
    if (window.Rapport && window.Rapport.announce) window.Rapport.announce(text);
  }

  function process(el) {
    if (window.htmx) window.htmx.process(el);
  }

  function firstInput(scope) {
    return scope.querySelector("input:not([type=hidden]):not([type=radio]):not([disabled]), select, textarea");
  }

  function fromTemplate(template, placeholder, value) {
    var html = template.innerHTML.split(placeholder).join(value);
    var holder = doc.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  /* Rows of multi-valued parts ----------------------------------------------------------- */
  function addRow(button) {
    var part = button.closest("[data-rows]");
    if (!part) return false;
    var name = part.getAttribute("data-rows");
    var total = part.querySelector('input[name="' + name + '-TOTAL_FORMS"]');
    var template = part.querySelector("template[data-row-template]");
    var list = part.querySelector("[data-row-list]");
    if (!total || !template || !list) return false;
    var index = parseInt(total.value, 10) || 0;
    var row = fromTemplate(template, "__prefix__", String(index));
    if (!row) return false;
    list.appendChild(row);
    total.value = String(index + 1);
    initRows(row);
    process(row);
    var input = firstInput(row);
    if (input) input.focus();
    return true;
  }

  function removeRow(button) {
    var row = button.closest("[data-row]");
    var part = button.closest("[data-rows]");
    if (!row || !part) return;
    var wasPrimary = false;
    each(row, "input, select, textarea", function (input) {
      if (input.type === "radio") {
        wasPrimary = wasPrimary || input.checked;
        input.checked = false;
      } else if (input.type === "checkbox") {
        input.checked = false;
      } else if (input.tagName === "SELECT") {
        input.selectedIndex = 0;
      } else {
        input.value = "";
      }
    });
    row.hidden = true;
    if (wasPrimary) {
      var visible = Array.prototype.filter.call(part.querySelectorAll("[data-row]"), function (r) {
        return !r.hidden;
      });
      var radio = visible.length ? visible[0].querySelector('input[type="radio"]') : null;
      if (radio) radio.checked = true;
    }
    announce("Removed. It goes away when you save.");
    var add = part.querySelector("[data-add-row]");
    if (add) add.focus();
  }

  function initRows(scope) {
    each(scope, "[data-remove-row]", function (button) {
      button.hidden = false;
    });
  }

  /* Record pickers ---------------------------------------------------------------------- */
  var lookupTimer = null;

  function lookup(input) {
    var list = input.list || doc.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-lookup");
    var q = input.value.trim();
    if (!list || !url || q.length < 1 || /#\d+\s*$/.test(q)) return;
    window.clearTimeout(lookupTimer);
    lookupTimer = window.setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
      })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          if (input.value.trim() === q) list.innerHTML = html; // server-rendered and escaped <option>s
        })
        .catch(function () {});
    }, 200);
  }

  /* The filter builder ------------------------------------------------------------------ */
  function addFilter(button) {
    var panel = button.closest("[data-panel]") || doc;
    var template = panel.querySelector("template[data-filter-template]");
    var rows = panel.querySelector("[data-filter-rows]");
    if (!template || !rows) return;
    var index = parseInt(button.getAttribute("data-next-index"), 10) || rows.children.length + 1;
    var row = fromTemplate(template, "__i__", String(index));
    button.setAttribute("data-next-index", String(index + 1));
    rows.appendChild(row);
    initFilters(row);
    process(row);
    var select = row.querySelector("select");
    if (select) select.focus();
  }

  function removeFilter(button) {
    var row = button.closest("[data-filter-row]");
    var panel = button.closest("[data-panel]") || doc;
    if (!row) return;
    row.remove();
    announce("Condition removed. Apply the filters to update the list.");
    var add = panel.querySelector("[data-add-filter]");
    if (add) add.focus();
  }

  function syncOperator(select) {
    var row = select.closest("[data-filter-row]");
    var value = row && row.querySelector("[data-filter-value]");
    if (value) value.hidden = select.value === "empty" || select.value === "notempty";
  }

  function initFilters(scope) {
    each(scope, "[data-remove-filter], [data-add-filter]", function (button) {
      button.hidden = false;
    });
    each(scope, "select[data-filter-op]", syncOperator);
  }

  function setPanel(toggle, open) {
    var panel = doc.getElementById(toggle.getAttribute("aria-controls"));
    if (!panel) return;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function initPanels(scope) {
    each(scope, "[data-panel-toggle]", function (toggle) {
      var panel = doc.getElementById(toggle.getAttribute("aria-controls"));
      toggle.hidden = false;
      setPanel(toggle, !!(panel && panel.hasAttribute("data-open")));
    });
  }

  /* Bulk actions and export ------------------------------------------------------------- */
  function syncBulk(select) {
    var form = select.form;
    if (!form) return;
    each(form, "[data-bulk-param]", function (group) {
      var shown = group.getAttribute("data-bulk-param").split(" ").indexOf(select.value) >= 0;
      group.hidden = !shown;
      each(group, "input, select", function (input) {
        input.disabled = !shown;
      });
    });
  }

  function selectedIds() {
    return Array.prototype.filter
      .call(doc.querySelectorAll('input[type="checkbox"][name="ids"]'), function (box) {
        return box.checked;
      })
      .map(function (box) {
        return box.value;
      });
  }

  function syncExportLabels() {
    var count = selectedIds().length;
    each(doc, "[data-export-label]", function (label) {
      label.textContent = count ? count + " " + label.getAttribute("data-some") : label.getAttribute("data-all");
    });
  }

  /* In-place editing -------------------------------------------------------------------- */
  var editingField = null; // id of the .inline-field whose form was open when a request left

  doc.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    editingField = target && target.classList && target.classList.contains("inline-field") ? target.id : null;
  });

  function afterLoad(el) {
    if (!(el instanceof Element)) return;
    if (el.classList.contains("inline-field")) {
      if (el.classList.contains("is-editing")) {
        var input = el.querySelector("[aria-invalid=true]") || firstInput(el);
        if (input) input.focus();
      } else if (editingField === el.id) {
        var trigger = el.querySelector("[data-inline-trigger]");
        if (trigger) trigger.focus();
      }
    }
    init(el);
  }

  /* Events ------------------------------------------------------------------------------ */
  doc.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var add = target.closest("[data-add-row]");
    if (add && addRow(add)) {
      event.preventDefault();
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      removeRow(remove);
      return;
    }
    var addF = target.closest("[data-add-filter]");
    if (addF) {
      event.preventDefault();
      addFilter(addF);
      return;
    }
    var removeF = target.closest("[data-remove-filter]");
    if (removeF) {
      event.preventDefault();
      removeFilter(removeF);
      return;
    }
    var toggle = target.closest("[data-panel-toggle]");
    if (toggle) {
      event.preventDefault();
      var open = toggle.getAttribute("aria-expanded") !== "true";
      setPanel(toggle, open);
      if (open) {
        var panel = doc.getElementById(toggle.getAttribute("aria-controls"));
        var first = panel && panel.querySelector("select");
        if (first) first.focus();
      }
    }
  });

  doc.addEventListener("input", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-lookup")) lookup(input);
  });

  doc.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) return;
    if (el.matches("select[data-filter-op]")) syncOperator(el);
    if (el.matches("select[data-bulk-action]")) syncBulk(el);
    if (el.matches('input[type="checkbox"][name="ids"], input[data-select-all="ids"]')) {
      window.setTimeout(syncExportLabels, 0);
    }
  });

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-include-selected")) {
      each(form, "input[data-selected-id]", function (input) {
        input.remove();
      });
      selectedIds().forEach(function (id) {
        var input = doc.createElement("input");
        input.type = "hidden";
        input.name = "ids";
        input.value = id;
        input.setAttribute("data-selected-id", "");
        form.appendChild(input);
      });
    }
    if (form.hasAttribute("data-current-query")) {
      var query = form.querySelector('input[name="query"]');
      if (query) query.value = window.location.search.replace(/^\?/, "");
    }
  });

  doc.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target instanceof Element && event.target.closest("[data-inline-form]");
    if (!form) return;
    var cancel = form.querySelector("[data-inline-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  function init(scope) {
    initRows(scope);
    initFilters(scope);
    initPanels(scope);
    each(scope, "select[data-bulk-action]", syncBulk);
    each(scope, "form[data-focus-rows]", function (form) {
      var part = form.querySelector('[data-rows="' + form.getAttribute("data-focus-rows") + '"]');
      var rows = part ? part.querySelectorAll("[data-row]") : [];
      var input = rows.length ? firstInput(rows[rows.length - 1]) : null;
      if (input) input.focus();
    });
    if (scope === doc.body) {
      var summary = doc.querySelector("form:not([data-inline-form]) [data-error-summary]");
      if (summary) summary.focus();
    }
    syncExportLabels();
  }

  // htmx calls onLoad for the page itself once it is ready, then for every piece of content it swaps in.
  if (window.htmx) {
    window.htmx.onLoad(afterLoad);
  } else if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", function () {
      init(doc.body);
    });
  } else {
    init(doc.body);
  }
})();
