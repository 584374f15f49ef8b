/*
 * Rapport UI behaviour. Small, no framework; htmx (shipped by django-htmx) is used when present.
 *
 *  - toasts: close button, auto-dismiss (errors stay), pause while hovered or focused; Rapport.toast(msg, level)
 *    and the "rapport:toast" event (e.g. HX-Trigger: {"rapport:toast": {"message": "Saved", "level": "success"}})
 *  - copy to clipboard: <button data-copy-target="#id">
 *  - mobile menu: button.menu-toggle[aria-controls] opens and closes the sidebar
 *  - dropdowns: <details class="dropdown"> (summary + .menu-panel) close on Escape and outside clicks
 *  - dialogs: [data-open-dialog="#id"], [data-close-dialog], backdrop click closes, dialog[data-show-modal] opens on load
 *  - confirmation: <form data-confirm="Message">, also on a submit button or a link
 *  - select all: <input type="checkbox" data-select-all="name"> ticks every checkbox called name in its form,
 *    and [data-selected-count="name"] shows how many are ticked
 *  - "/" focuses the global search
 *  - htmx: CSRF header fallback, a progress bar at the top during requests, error toasts,
 *    422 responses are swapped (a form re-rendered with its errors)
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  root.classList.add("js");

  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var TOAST_DELAY = { success: 5000, info: 6000, warning: 8000, error: 0 };

  function find(selector) {
    if (!selector) return null;
    try {
      return doc.querySelector(selector);
    } catch (e) {
      return null;
    }
  }

  function each(scope, selector, fn) {
    if (scope.matches && scope.matches(selector)) fn(scope);
    Array.prototype.forEach.call(scope.querySelectorAll(selector), fn);
  }

  /* Screen-reader announcements --------------------------------------------------------- */
  function announce(text) {
    var region = doc.getElementById("rapport-announcer");
    if (!region) {
      region = doc.createElement("div");
      region.id = "rapport-announcer";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      doc.body.appendChild(region);
    }
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  /* Toasts ------------------------------------------------------------------------------ */
  function toastLevel(toast) {
    var match = /\btoast-(success|error|warning|info)\b/.exec(toast.className);
    return match ? match[1] : "info";
  }

  function dismissToast(toast) {
    if (!toast || toast.dataset.leaving) return;
    toast.dataset.leaving = "1";
    window.clearTimeout(toast._rapportTimer);
    var hadFocus = toast.contains(doc.activeElement);
    var remove = function () {
      toast.remove();
      if (hadFocus) {
        var main = doc.getElementById("main");
        if (main) main.focus();
      }
    };
    if (reducedMotion.matches) {
      remove();
    } else {
      toast.classList.add("is-leaving");
      window.setTimeout(remove, 220);
    }
  }

  function initToast(toast) {
    if (toast.dataset.ready) return;
    toast.dataset.ready = "1";
    if (!toast.querySelector(".toast-close")) {
      var close = doc.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.setAttribute("aria-label", "Dismiss");
      close.innerHTML = "&times;";
      toast.appendChild(close);
    }
    var delay = toast.dataset.timeout !== undefined ? Number(toast.dataset.timeout) : TOAST_DELAY[toastLevel(toast)];
    if (!delay) return;
    var remaining = delay;
    var started = 0;
    var start = function () {
      started = Date.now();
      toast._rapportTimer = window.setTimeout(function () {
        dismissToast(toast);
      }, remaining);
    };
    var pause = function () {
      window.clearTimeout(toast._rapportTimer);
      remaining = Math.max(1500, remaining - (Date.now() - started));
    };
    toast.addEventListener("mouseenter", pause);
    toast.addEventListener("focusin", pause);
    toast.addEventListener("mouseleave", function () {
      if (!toast.contains(doc.activeElement)) start();
    });
    toast.addEventListener("focusout", function (event) {
      if (!toast.contains(event.relatedTarget) && !toast.matches(":hover")) start();
    });
    start();
  }

  function toast(message, level) {
    level = ["success", "error", "warning", "info"].indexOf(level) >= 0 ? level : "info";
    var container = doc.getElementById("toasts");
    if (!container) {
      container = doc.createElement("div");
      container.id = "toasts";
      container.className = "toasts";
      container.setAttribute("role", "status");
      container.setAttribute("aria-live", "polite");
      doc.body.appendChild(container);
    }
    var el = doc.createElement("div");
    el.className = "toast toast-" + level;
    var text = doc.createElement("div");
    text.className = "toast-message";
    text.textContent = message;
    el.appendChild(text);
    container.appendChild(el);
    initToast(el);
    return el;
  }

  /* Copy to clipboard ------------------------------------------------------------------- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return legacyCopy(text);
        }
      );
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    doc.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = doc.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function selectContents(el) {
    if (el.select) {
      el.focus();
      el.select();
      return;
    }
    var range = doc.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function handleCopy(button) {
    var target = find(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = "value" in target && target.matches("input, textarea") ? target.value : target.textContent.trim();
    copyText(text).then(function (ok) {
      var label = button.querySelector(".btn-label") || button;
      if (button.dataset.label === undefined) button.dataset.label = label.textContent;
      window.clearTimeout(button._rapportTimer);
      if (ok) {
        label.textContent = button.getAttribute("data-copied-label") || "Copied";
        button.classList.add("is-copied");
        announce("Copied to the clipboard");
      } else {
        selectContents(target);
        announce("Could not copy automatically. The text is selected: press Control+C or Command+C to copy it.");
        label.textContent = "Press Ctrl+C";
      }
      button._rapportTimer = window.setTimeout(function () {
        label.textContent = button.dataset.label;
        button.classList.remove("is-copied");
      }, 2000);
    });
  }

  /* Mobile menu ------------------------------------------------------------------------- */
  var menuToggle = doc.querySelector(".menu-toggle");
  var sidebar = menuToggle && doc.getElementById(menuToggle.getAttribute("aria-controls"));
  var wide = window.matchMedia("(min-width: 60rem)");

  function setMenu(open, returnFocus) {
    if (!sidebar) return;
    menuToggle.setAttribute("aria-expanded", open ? "true" : "false");
    sidebar.classList.toggle("is-open", open);
    root.classList.toggle("nav-open", open);
    if (open) {
      var link = sidebar.querySelector("a[aria-current]") || sidebar.querySelector("a");
      if (link) link.focus();
    } else if (returnFocus) {
      menuToggle.focus();
    }
  }

  function menuOpen() {
    return !!sidebar && sidebar.classList.contains("is-open");
  }

  if (sidebar) {
    menuToggle.addEventListener("click", function () {
      setMenu(!menuOpen(), false);
    });
    var backdrop = doc.querySelector(".sidebar-backdrop");
    if (backdrop) {
      backdrop.addEventListener("click", function () {
        setMenu(false, true);
      });
    }
    var onWide = function () {
      if (wide.matches && menuOpen()) setMenu(false, false);
    };
    if (wide.addEventListener) wide.addEventListener("change", onWide);
  }

  /* Dropdowns (<details>) --------------------------------------------------------------- */
  var DROPDOWNS = "details.dropdown[open]";

  function closeDropdowns(except) {
    Array.prototype.forEach.call(doc.querySelectorAll(DROPDOWNS), function (details) {
      if (details !== except) details.open = false;
    });
  }

  /* Dialogs ----------------------------------------------------------------------------- */
  function openDialog(dialog) {
    if (!dialog || dialog.open) return;
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
    var autofocus = dialog.querySelector("[autofocus]");
    if (autofocus) autofocus.focus();
  }

  function closeDialog(dialog) {
    if (!dialog) return;
    if (typeof dialog.close === "function") {
      dialog.close();
    } else {
      dialog.removeAttribute("open");
    }
  }

  var pressedOnBackdrop = false;
  doc.addEventListener("mousedown", function (event) {
    pressedOnBackdrop = event.target.matches && event.target.matches("dialog.modal");
  });

  /* Clicks ------------------------------------------------------------------------------ */
  doc.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    var closeButton = target.closest(".toast-close");
    if (closeButton) {
      dismissToast(closeButton.closest(".toast"));
      return;
    }

    var copyButton = target.closest("[data-copy-target]");
    if (copyButton) {
      event.preventDefault();
      handleCopy(copyButton);
      return;
    }

    var opener = target.closest("[data-open-dialog]");
    if (opener) {
      event.preventDefault();
      openDialog(find(opener.getAttribute("data-open-dialog")));
      return;
    }

    var closer = target.closest("[data-close-dialog]");
    if (closer) {
      event.preventDefault();
      closeDialog(closer.closest("dialog"));
      return;
    }

    if (target.matches("dialog.modal") && pressedOnBackdrop) {
      closeDialog(target);
      return;
    }

    var toastTrigger = target.closest("[data-toast]");
    if (toastTrigger) {
      toast(toastTrigger.getAttribute("data-toast"), toastTrigger.getAttribute("data-toast-level"));
    }

    var link = target.closest("a[data-confirm]");
    if (link && !window.confirm(link.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }

    // Clicking outside an open dropdown closes it; following a link in the mobile menu closes the menu.
    closeDropdowns(target.closest("details"));
    if (menuOpen() && target.closest("#" + sidebar.id + " a")) setMenu(false, false);
  });

  /* Confirmation before submitting (capture phase, so htmx never sees a refused submit) ---- */
  doc.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var message =
        (submitter && submitter.getAttribute("data-confirm")) || (form.getAttribute && form.getAttribute("data-confirm"));
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  /* Keyboard ---------------------------------------------------------------------------- */
  doc.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = doc.querySelector(DROPDOWNS);
      if (open) {
        open.open = false;
        var summary = open.querySelector("summary");
        if (summary) summary.focus();
        return;
      }
      if (menuOpen()) {
        setMenu(false, true);
        return;
      }
    }
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var active = doc.activeElement;
      var typing =
        active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) || active.closest("dialog[open]"));
      var search = doc.getElementById("global-search");
      if (!typing && search) {
        event.preventDefault();
        search.focus();
      }
    }
  });

  /* Select all -------------------------------------------------------------------------- */
  function boxesFor(master) {
    var name = master.getAttribute("data-select-all");
    var scope = master.form || master.closest("table") || doc;
    return Array.prototype.filter.call(scope.querySelectorAll('input[type="checkbox"]'), function (box) {
      return box.name === name && box !== master;
    });
  }

  function updateSelection(name) {
    var master = doc.querySelector('input[data-select-all="' + name + '"]');
    var boxes = master
      ? boxesFor(master)
      : Array.prototype.slice.call(doc.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
    var ticked = boxes.filter(function (box) {
      return box.checked;
    }).length;
    if (master) {
      master.checked = boxes.length > 0 && ticked === boxes.length;
      master.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    Array.prototype.forEach.call(doc.querySelectorAll('[data-selected-count="' + name + '"]'), function (out) {
      out.textContent = String(ticked);
    });
    Array.prototype.forEach.call(doc.querySelectorAll('[data-needs-selection="' + name + '"]'), function (el) {
      if ("disabled" in el) el.disabled = ticked === 0;
      el.hidden = el.hasAttribute("data-hide-when-empty") && ticked === 0;
    });
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
  }

  doc.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    var all = box.getAttribute("data-select-all");
    if (all) {
      boxesFor(box).forEach(function (other) {
        other.checked = box.checked;
      });
      updateSelection(all);
    } else if (box.name && doc.querySelector('[data-select-all="' + box.name + '"], [data-selected-count="' + box.name + '"]')) {
      updateSelection(box.name);
    }
  });

  /* Initialise a part of the page (the whole page, or content htmx swapped in) ------------- */
  function init(scope) {
    each(scope, ".toast", initToast);
    each(scope, "dialog[data-show-modal]", function (dialog) {
      if (!dialog.dataset.shown) {
        dialog.dataset.shown = "1";
        openDialog(dialog);
      }
    });
    each(scope, "input[data-select-all]", function (master) {
      updateSelection(master.getAttribute("data-select-all"));
    });
  }

  doc.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog instanceof Element && dialog.matches("dialog[data-remove-on-close]")) dialog.remove();
  }, true);

  doc.addEventListener("rapport:toast", function (event) {
    var detail = event.detail || {};
    if (detail.message) toast(detail.message, detail.level);
  });

  /* htmx -------------------------------------------------------------------------------- */
  var progress = doc.querySelector(".htmx-progress");
  var pending = 0;

  function requestStarted(event) {
    if (event.defaultPrevented) return;
    pending += 1;
    if (!progress || pending > 1) return;
    progress.classList.remove("is-done");
    void progress.offsetWidth; // restart the animation
    progress.classList.add("is-loading");
  }

  function requestEnded() {
    pending = Math.max(0, pending - 1);
    if (!progress || pending > 0) return;
    progress.classList.remove("is-loading");
    progress.classList.add("is-done");
  }

  function csrfFromCookie() {
    var match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(doc.cookie);
    return match ? decodeURIComponent(match[1]) : "";
  }

  if (window.htmx) {
    var htmx = window.htmx;
    // A 422 answer is a form re-rendered with its errors: swap it like a 200.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];

    doc.addEventListener("htmx:configRequest", function (event) {
      var headers = event.detail.headers;
      if (!headers["X-CSRFToken"]) {
        var token = csrfFromCookie();
        if (token) headers["X-CSRFToken"] = token;
      }
    });
    doc.addEventListener("htmx:beforeRequest", requestStarted);
    doc.addEventListener("htmx:afterRequest", requestEnded);
    doc.addEventListener("htmx:responseError", function (event) {
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      var message =
        status === 403
          ? "You do not have permission to do that."
          : status === 404
            ? "That record no longer exists, or you cannot see it."
            : status === 429
              ? "Too many requests. Wait a moment and try again."
              : "Something went wrong (error " + status + "). Try again.";
      toast(message, "error");
    });
    doc.addEventListener("htmx:sendError", function () {
      toast("Could not reach Rapport. Check your connection and try again.", "error");
    });
    htmx.onLoad(init);
  }

  init(doc.body);

  window.Rapport = {
    toast: toast,
    dismissToast: dismissToast,
    openDialog: openDialog,
    closeDialog: closeDialog,
    copyText: copyText,
    announce: announce,
  };
})();
