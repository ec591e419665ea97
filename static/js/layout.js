// Phone layout: the menu button folds the navigation under 768 px, and list filters start folded there.
// Without JavaScript nothing is hidden: the button stays hidden, the menu and the filters stay open.
(function () {
  "use strict";
  var PHONE = window.matchMedia("(max-width: 767.98px)");

  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".nav-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && menu) {
    header.classList.add("nav-collapsible");
    button.hidden = false;
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("nav-open", open);
    };
    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and gives the focus back to its button, as a disclosure should.
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && PHONE.matches && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // A filter panel with an error stays open so the message is seen; the others fold on a phone.
  document.querySelectorAll("details.filter-panel[data-fold-on-phone]").forEach(function (panel) {
    if (PHONE.matches && !panel.querySelector("[role=alert]")) { panel.open = false; }
  });
}());
