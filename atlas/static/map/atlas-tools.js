/* Finding one's way: zoom buttons in the page's language, "home" (the whole province), "locate me"
 * (the browser's geolocation, no network), full screen and a share button that copies the
 * permalink; the map kept near the province; sources and a disclaimer on the map itself. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  function toolButton(container, className, symbol, label, onClick) {
    var node = el("button", "atlas-tool " + className, symbol);
    node.type = "button";
    node.title = label;
    node.setAttribute("aria-label", label);
    node.addEventListener("click", onClick);
    container.appendChild(node);
    return node;
  }

  // The organisations named by the visible layers, each once, in the panel's order.
  function sources(state) {
    var names = [];
    state.config.panel_order.forEach(function (id) {
      var source = state.byId[id].source;
      if (state.visible[id] && source && names.indexOf(source) < 0) { names.push(source); }
    });
    return names;
  }

  function attribution(state) {
    var control = state.map.attributionControl;
    if (!control) { return; }
    control.setPrefix(false);
    var shown = null;
    function update() {
      var names = sources(state);
      var box = el("span", "atlas-attribution", state.t("disclaimer"));
      if (names.length) {
        box.appendChild(global.document.createTextNode(" · " + state.t("sources") + ": "));
        // The catalogue names its organisations in Vietnamese, on English pages too.
        var list = el("span", null, names.join("; "));
        list.lang = "vi";
        box.appendChild(list);
      }
      if (shown) { control.removeAttribution(shown); }
      // Leaflet takes attributions as HTML: the catalogue's text goes in escaped, through the DOM.
      shown = box.outerHTML;
      control.addAttribution(shown);
    }
    update();
    state.onChange(update);
  }

  function notice(state, text) {
    var box = global.document.querySelector(".atlas-tool-notice");
    if (!box) { return; }
    box.textContent = text;
    clearTimeout(state.noticeTimer);
    state.noticeTimer = setTimeout(function () { box.textContent = ""; }, 4000);
  }

  function locate(state) {
    if (!global.navigator.geolocation) { notice(state, state.t("locate_failed")); return; }
    global.navigator.geolocation.getCurrentPosition(function (position) {
      var here = L.latLng(position.coords.latitude, position.coords.longitude);
      if (!state.map.options.maxBounds || !state.map.options.maxBounds.contains(here)) {
        notice(state, state.t("locate_outside"));
        return;
      }
      if (state.here) { state.map.removeLayer(state.here); }
      state.here = L.circleMarker(here, { radius: 8, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1,
        interactive: false, renderer: L.svg() }).addTo(state.map);
      state.map.setView(here, Math.max(state.map.getZoom(), 13));
    }, function () { notice(state, state.t("locate_failed")); }, { enableHighAccuracy: true, timeout: 10000 });
  }

  function toggleFullscreen(state) {
    var doc = global.document, holder = state.map.getContainer().parentNode;
    if (doc.fullscreenElement) { doc.exitFullscreen(); return; }
    if (holder.requestFullscreen) { holder.requestFullscreen().catch(function () { notice(state, state.t("fullscreen_failed")); }); }
  }

  function share(state) {
    var link = global.AtlasPermalink.link(state);
    var copied = function () { notice(state, state.t("link_copied")); };
    if (global.navigator.clipboard && global.navigator.clipboard.writeText) {
      global.navigator.clipboard.writeText(link).then(copied, function () { notice(state, link); });
    } else {
      notice(state, link);
    }
  }

  // The whole province, as large as the screen allows: quarter zoom steps for this view only,
  // so a phone's narrow screen is filled too; without animation, so a permalink can follow at once.
  function fitProvince(map, bounds) {
    var snap = map.options.zoomSnap;
    map.options.zoomSnap = 0.25;
    map.fitBounds(bounds, { animate: false });
    map.options.zoomSnap = snap;
  }

  // The map kept near the province: AtlasMap.start sets this before the first tiles are asked
  // for, so a view it moves back is never fetched.
  function keepNear(map, bounds, maxBounds) {
    map.setMaxBounds(maxBounds ? L.latLngBounds(maxBounds) : bounds.pad(0.5));
    map.setMinZoom(Math.max(6, Math.floor(map.getBoundsZoom(bounds)) - 1));
  }

  global.AtlasTools = {
    sources: sources,
    fitProvince: fitProvince,
    keepNear: function (map, bounds, maxBounds) { keepNear(map, L.latLngBounds(bounds), maxBounds); },
    add: function (state) {
      var map = state.map, bounds = L.latLngBounds(state.config.bounds);
      // The map's text alternative: its name, and how to reach its content without seeing it.
      map.getContainer().setAttribute("role", "region");
      map.getContainer().setAttribute("aria-label", state.t("map_label"));
      map.getContainer().setAttribute("aria-describedby", "atlas-map-description");
      L.control.zoom({ position: "topleft", zoomInTitle: state.t("zoom_in"), zoomOutTitle: state.t("zoom_out") }).addTo(map);
      global.AtlasDom.control(map, "topleft", "atlas-tools", function (container) {
        toolButton(container, "atlas-tool-home", "⌂", state.t("home"), function () { fitProvince(map, bounds); });
        toolButton(container, "atlas-tool-locate", "◎", state.t("locate"), function () { locate(state); });
        if (global.document.fullscreenEnabled) {
          toolButton(container, "atlas-tool-fullscreen", "⛶", state.t("fullscreen"), function () { toggleFullscreen(state); });
        }
        toolButton(container, "atlas-tool-share", "↗", state.t("share"), function () { share(state); });
      });
      var status = el("div", "atlas-tool-notice");
      status.setAttribute("role", "status");
      map.getContainer().appendChild(status);
      attribution(state);
    }
  };
})(window);
