/* Small DOM helpers shared by the map's controls: text-only elements and Leaflet controls. */
(function (global) {
  "use strict";

  // Text goes in through textContent only, so attribute values can never become HTML.
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // A Leaflet control whose clicks and scrolls stay inside it; build(container) fills it.
  function control(map, position, className, build) {
    var Control = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var container = el("div", className + " leaflet-bar");
        build(container);
        L.DomEvent.disableClickPropagation(container);
        L.DomEvent.disableScrollPropagation(container);
        return container;
      }
    });
    return new Control().addTo(map);
  }

  // A control with a button that folds its body; open at first on wide screens only,
  // so on phones the map stays visible.
  function foldable(map, position, className, label, build) {
    return control(map, position, className, function (container) {
      var toggle = el("button", className + "-toggle", label);
      toggle.type = "button";
      function setOpen(open) {
        container.classList.toggle("open", open);
        toggle.setAttribute("aria-expanded", String(open));
      }
      setOpen(Boolean(global.matchMedia && global.matchMedia("(min-width: 700px)").matches));
      toggle.addEventListener("click", function () {
        var open = !container.classList.contains("open");
        setOpen(open);
        if (open) { sheetOpened(container); }
      });
      // On a phone the panel and the legend are sheets: one at a time, so half the map stays free.
      global.document.addEventListener(SHEET_EVENT, function (event) {
        if (event.detail !== container && narrow()) { setOpen(false); }
      });
      container.appendChild(toggle);
      build(container);
    });
  }

  var SHEET_EVENT = "atlassheetopen";
  function narrow() { return Boolean(global.matchMedia && global.matchMedia("(max-width: 600px)").matches); }
  // Tells the other sheets (panel, legend, a feature's details) that this one took the screen.
  function sheetOpened(node) {
    global.document.dispatchEvent(new CustomEvent(SHEET_EVENT, { detail: node }));
  }

  global.AtlasDom = { el: el, control: control, foldable: foldable, narrow: narrow, sheetOpened: sheetOpened,
    SHEET_EVENT: SHEET_EVENT };
})(window);
