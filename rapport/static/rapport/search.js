/*
 * The header's search box as a combobox (WAI-ARIA 1.2 pattern, list autocomplete): htmx fetches the suggestions
 * (/search/suggest/) into the listbox as you type; this script opens and closes it and moves the active option.
 *
 *  - Down / Up: open the suggestions, move through them (the active one is aria-activedescendant; focus stays
 *    in the field); Enter: open the active suggestion, or (none active) the results page; Escape: close, then
 *    (on a second press) clear; Tab or a click elsewhere: close. "/" focuses the box (rapport.js).
 *  - Without JavaScript the form simply goes to the results page.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-global-search]");
  if (!form) return;
  var input = form.querySelector('[role="combobox"]');
  var listbox = document.getElementById(input.getAttribute("aria-controls"));
  var status = document.getElementById("global-search-status");
  var active = -1;

  function options() {
    return Array.prototype.filter.call(listbox.querySelectorAll('[role="option"]'), function (option) {
      return option.getAttribute("aria-disabled") !== "true";
    });
  }

  function isOpen() {
    return !listbox.hidden;
  }

  function setActive(index) {
    var list = options();
    list.forEach(function (option, i) {
      var on = i === index;
      option.setAttribute("aria-selected", on ? "true" : "false");
      option.classList.toggle("is-active", on);
    });
    active = index >= 0 && index < list.length ? index : -1;
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", list[active].id);
      list[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open() {
    if (!listbox.children.length || !input.value.trim()) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    setActive(-1);
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function announce() {
    if (!status) return;
    var found = listbox.querySelectorAll('[role="option"]:not(.search-option-all):not([aria-disabled="true"])').length;
    status.textContent = !input.value.trim()
      ? ""
      : found
        ? found + (found === 1 ? " suggestion" : " suggestions") + ". Use the up and down arrows to choose."
        : "No matches.";
  }

  // New suggestions arrived (htmx swapped them in).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== listbox) return;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (document.activeElement === input && input.value.trim() && listbox.children.length) {
      open();
    } else {
      close();
    }
    announce();
  });

  // An emptied box: nothing to suggest (htmx still asks, and gets an empty list).
  input.addEventListener("input", function () {
    if (!input.value.trim()) {
      listbox.innerHTML = "";
      close();
      announce();
    }
  });

  input.addEventListener("focus", function () {
    open();
  });

  input.addEventListener("keydown", function (event) {
    var list = options();
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!isOpen()) {
          open();
          if (isOpen()) setActive(0);
          return;
        }
        setActive(active + 1 >= list.length ? 0 : active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!isOpen()) {
          open();
          if (isOpen()) setActive(list.length - 1);
          return;
        }
        setActive(active <= 0 ? list.length - 1 : active - 1);
        break;
      case "Enter":
        if (isOpen() && active >= 0 && list[active]) {
          event.preventDefault();
          window.location.assign(list[active].href);
        }
        break;
      case "Escape":
        if (isOpen()) {
          event.preventDefault();
          event.stopPropagation();
          close();
        }
        break;
      case "Tab":
        close();
        break;
      default:
        break;
    }
  });

  listbox.addEventListener("mousemove", function (event) {
    var option = event.target.closest('[role="option"]');
    if (!option) return;
    var index = options().indexOf(option);
    if (index >= 0 && index !== active) setActive(index);
  });

  // Clicking an option follows its link; keep the field focused until then (no blur-close flicker).
  listbox.addEventListener("mousedown", function (event) {
    if (event.target.closest('[role="option"]')) event.preventDefault();
  });

  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) close();
  });

  document.addEventListener("click", function (event) {
    if (isOpen() && !form.contains(event.target)) close();
  });
})();
