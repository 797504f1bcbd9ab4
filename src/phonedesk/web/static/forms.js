/* PhoneDesk forms: one submission per click, and the username offer of an email edit. */
(function () {
  "use strict";

  // A form is sent once: a second submit while the first is on its way is dropped and
  // its buttons are disabled (a double-click on Save sends one request). A page that
  // comes back (errors, the browser's Back) starts unlocked again.
  function lock(form) {
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () {  // after the browser has read the submitter's value
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
        .forEach(function (b) { b.disabled = true; b.dataset.lockedBySubmit = "1"; });
    }, 0);
  }

  function unlock(form) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("[data-locked-by-submit]").forEach(function (b) {
      b.disabled = false; delete b.dataset.lockedBySubmit;
    });
  }

  function isHtmx(form) { return form.hasAttribute("hx-post") || form.hasAttribute("hx-put"); }

  // Listens after app.js's confirmation question: a cancelled question leaves it unlocked.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    // Only posts change anything; a search sent twice does no harm.
    if (form.method.toLowerCase() !== "post" && !isHtmx(form)) { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    if (event.defaultPrevented && !isHtmx(form)) { return; }
    lock(form);
  });

  // HTMX sends the request from its own submit handler: drop a second one there.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLFormElement && elt.dataset.submitting) { event.preventDefault(); }
  });

  // HTMX forms stay on the page: unlock when the answer (or an error) is in.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLFormElement) { unlock(elt); }
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(unlock);
  });

  // R-P2: the offer to rename the username shows only once the email was changed.
  function syncOffers() {
    document.querySelectorAll("[data-offer-for]").forEach(function (box) {
      var input = document.getElementById(box.getAttribute("data-offer-for"));
      if (!input) { return; }
      var original = (box.getAttribute("data-original") || "").trim().toLowerCase();
      var changed = input.value.trim().toLowerCase() !== original;
      box.hidden = !changed;
      if (!changed) {
        var box_input = box.querySelector("input[type=checkbox]");
        if (box_input) { box_input.checked = false; }
      }
    });
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.id &&
        document.querySelector('[data-offer-for="' + el.id + '"]')) { syncOffers(); }
  });
  document.addEventListener("DOMContentLoaded", syncOffers);

  // <strong data-mirror="select-id">: shows the option chosen there (a confirmation
  // says which role it is about to give).
  function syncMirrors() {
    document.querySelectorAll("[data-mirror]").forEach(function (el) {
      var select = document.getElementById(el.getAttribute("data-mirror"));
      if (select instanceof HTMLSelectElement && select.selectedOptions.length) {
        el.textContent = select.selectedOptions[0].textContent;
      }
    });
  }
  document.addEventListener("change", syncMirrors);
  document.addEventListener("DOMContentLoaded", syncMirrors);
})();
