/* Where a popup's content is shown: a Leaflet popup kept inside the map, below the search box and
 * scrolling when taller than the room left, or on a phone a bottom sheet that covers at most
 * half the map and never sits under the search box. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;
  var MARGIN = 12;

  var isPhone = global.AtlasDom.narrow;

  // The room a popup may take: below the controls of the top corners, above the bottom ones.
  function room(mapBox, cornerBoxes) {
    var top = MARGIN, bottom = MARGIN;
    cornerBoxes.top.forEach(function (box) { if (box.height) { top = Math.max(top, box.bottom - mapBox.top + MARGIN); } });
    cornerBoxes.bottom.forEach(function (box) { if (box.height) { bottom = Math.max(bottom, mapBox.bottom - box.top + MARGIN); } });
    // The tip and the close button need about 40 px beyond the content.
    return { top: top, bottom: bottom, maxHeight: Math.max(120, mapBox.height - top - bottom - 40) };
  }

  // The search box is the one control a popup must never slide under (the buttons below it are
  // narrow, and the panel on the right folds away on small screens).
  function cornerBoxes(map) {
    var search = map.getContainer().querySelector(".atlas-search");
    return { top: search ? [search.getBoundingClientRect()] : [], bottom: [] };
  }

  function sheet(state) {
    if (state.sheet) { return state.sheet; }
    var box = el("section", "atlas-sheet");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", state.t("details"));
    box.hidden = true;
    var close = el("button", "atlas-sheet-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", state.t("close"));
    close.title = state.t("close");
    close.addEventListener("click", function () { hide(state); });
    var body = el("div", "atlas-sheet-body");
    box.appendChild(close);
    box.appendChild(body);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    state.map.getContainer().appendChild(box);
    state.sheet = { box: box, body: body };
    return state.sheet;
  }

  function hide(state) {
    if (state.sheet && !state.sheet.box.hidden) {
      state.sheet.box.hidden = true;
      state.sheet.body.textContent = "";
      state.map.fire("atlassheetclose");
    }
  }

  function showSheet(state, content, latlng) {
    var s = sheet(state);
    state.map.closePopup();
    s.body.textContent = "";
    s.body.appendChild(content);
    s.box.hidden = false;
    s.body.scrollTop = 0;
    global.AtlasDom.sheetOpened(s.box);
    // Keep the place in the half of the map the sheet leaves free.
    var covered = s.box.getBoundingClientRect().height;
    state.map.panInside(latlng, { paddingTopLeft: [MARGIN, MARGIN * 4], paddingBottomRight: [MARGIN, covered + MARGIN] });
  }

  function showPopup(state, content, latlng) {
    hide(state);
    var map = state.map;
    var fit = room(map.getContainer().getBoundingClientRect(), cornerBoxes(map));
    state.popup = L.popup({
      maxWidth: 320, maxHeight: fit.maxHeight, className: "atlas-popup-wrap",
      autoPanPaddingTopLeft: [MARGIN, fit.top], autoPanPaddingBottomRight: [MARGIN, fit.bottom]
    }).setLatLng(latlng).setContent(content).openOn(map);
    var closeButton = state.popup.getElement() && state.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (closeButton) {
      closeButton.setAttribute("aria-label", state.t("close"));
      closeButton.title = state.t("close");
    }
  }

  global.AtlasPlace = {
    room: room,
    isPhone: isPhone,
    show: function (state, content, latlng) {
      if (isPhone()) { showSheet(state, content, latlng); } else { showPopup(state, content, latlng); }
    },
    // The content grew (full attributes arrived): lay the popup out and pan it into view again.
    update: function (state) {
      if (state.popup && state.popup.isOpen()) { state.popup.update(); }
    },
    close: function (state) {
      hide(state);
      state.map.closePopup();
    },
    add: function (state) {
      global.document.addEventListener(global.AtlasDom.SHEET_EVENT, function (event) {
        if (state.sheet && event.detail !== state.sheet.box) { hide(state); }
      });
      global.document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !(state.measure && state.measure.isActive())) { global.AtlasPlace.close(state); }
      });
    }
  };
})(window);
