/* The menu button at phone width: header details and navigation fold behind it.
   Loaded in <head> without defer, so the folded state is there from the first paint. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".menu-button");
    if (!button) { return; }
    var open = document.body.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
