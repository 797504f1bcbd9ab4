/* PhoneDesk pages: dialogs with focus management, username pre-fill, CSRF for HTMX. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  var openers = new WeakMap();

  function focusFirst(container) {
    var target = container.querySelector('[aria-invalid="true"]') ||
      container.querySelector("[autofocus]") ||
      container.querySelector("input:not([type=hidden]):not([disabled]), select, textarea, button");
    if (target) { target.focus(); }
  }

  function openDialog(dialog, opener) {
    if (!dialog || dialog.open) { return; }
    openers.set(dialog, opener || document.activeElement);
    dialog.showModal();
    focusFirst(dialog);
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      event.preventDefault();
      openDialog(document.getElementById(opener.getAttribute("data-open-dialog")), opener);
      return;
    }
    if (event.target.closest("[data-reload]")) {
      window.location.reload();
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) { dialog.close(); }
    }
  });

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) { return; }
    var opener = openers.get(dialog);
    if (opener && document.contains(opener) && !dialog.dataset.keepFocus) { opener.focus(); }
    delete dialog.dataset.keepFocus;
  }, true);

  // Username starts as the email address until the admin edits it (R-P2).
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLInputElement)) { return; }
    var targetId = el.getAttribute("data-username-source");
    if (targetId) {
      var username = document.getElementById(targetId);
      if (username && !username.dataset.touched) { username.value = el.value; }
      return;
    }
    if (el.id && document.querySelector('[data-username-source="' + el.id + '"]')) {
      el.dataset.touched = el.value ? "1" : "";
    }
  });

  // A profile created in the dialog: close it and put focus on the new choice.
  document.body.addEventListener("profileCreated", function () {
    var dialog = document.getElementById("new-profile-dialog");
    if (dialog && dialog.open) { dialog.dataset.keepFocus = "1"; dialog.close(); }
    window.setTimeout(function () {
      var choice = document.getElementById("new-profile-choice");
      if (choice) { choice.focus(); }
    }, 0);
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Open a dialog that came back from the server with errors in it.
    var withErrors = document.querySelector("dialog[data-open-on-load]");
    if (withErrors) { openDialog(withErrors, null); }
  });

  // After HTMX puts a form with errors in place, move focus to the first bad field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var area = (target && document.contains(target)) ? target : (document.querySelector("dialog[open]") || document);
    if (area.querySelector && area.querySelector('[aria-invalid="true"], [autofocus]')) {
      focusFirst(area);
    }
  });

  // Confirmation buttons: <button data-confirm="..."> asks before submitting.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();

/* Upload progress: bytes sent, then "checking" while the server validates. */
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var phase = document.getElementById("upload-phase");
    if (!box || !bar) { return; }
    box.hidden = false;
    if (event.detail.lengthComputable && event.detail.total) {
      var pct = Math.round(event.detail.loaded * 100 / event.detail.total);
      bar.value = pct;
      if (phase) { phase.textContent = pct < 100 ? "Uploaded " + pct + "%" : "Checking every row…"; }
      if (pct >= 100) { bar.removeAttribute("value"); }
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "upload-form") {
      var box = document.getElementById("upload-progress");
      if (box) { box.hidden = false; }
    }
  });
})();
