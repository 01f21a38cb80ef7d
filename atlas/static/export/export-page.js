// The export page: a commune or a drawn rectangle chosen on a small map, the CRS kept to WGS 84 for
// GeoJSON and KML, and the download run as a background job whose progress is shown.
(function () {
  "use strict";
  var form = document.getElementById("export-form");
  if (!form) return;
  var messages = JSON.parse(document.getElementById("export-messages").textContent);
  var crs = document.getElementById("export-crs");
  var commune = document.getElementById("export-commune");
  var bboxInput = document.getElementById("export-bbox");
  var bboxText = document.getElementById("bbox-text");
  var statusBox = document.getElementById("export-status");
  var progress = document.getElementById("export-progress");
  var message = document.getElementById("export-message");

  // GeoJSON (RFC 7946) and KML are WGS 84 only: the other CRSs are disabled for them.
  function syncCrs() {
    var chosen = form.querySelector("input[name=format]:checked");
    var wgs84Only = chosen && chosen.dataset.wgs84Only === "1";
    Array.prototype.forEach.call(crs.options, function (option) {
      option.disabled = wgs84Only && option.value !== "EPSG:4326";
    });
    if (wgs84Only) crs.value = "EPSG:4326";
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "format") syncCrs();
  });
  syncCrs();

  var map = L.map("export-map", { zoomControl: true }).setView([19.95, 105.3], 8);
  var selectedStyle = { color: "#c0392b", weight: 2, fillOpacity: 0.3 };
  var plainStyle = { color: "#777", weight: 0.7, fillColor: "#f4f1e8", fillOpacity: 0.4 };
  var communes = null;
  var rectangle = null;

  function showCommune() {
    if (!communes) return;
    communes.eachLayer(function (layer) {
      var code = layer.feature.properties.code;
      layer.setStyle(code === commune.value ? selectedStyle : plainStyle);
    });
  }
  fetch(form.dataset.communesUrl).then(function (r) { return r.json(); }).then(function (data) {
    communes = L.geoJSON(data, { style: plainStyle }).addTo(map);
    communes.eachLayer(function (layer) {
      layer.bindTooltip(document.createTextNode(layer.feature.properties.name));
      layer.on("click", function () {
        if (drawing) return;
        commune.value = layer.feature.properties.code;
        clearBbox();
        showCommune();
      });
    });
    map.fitBounds(communes.getBounds());
  });
  commune.addEventListener("change", function () { if (commune.value) clearBbox(); showCommune(); });

  function clearBbox() {
    if (rectangle) map.removeLayer(rectangle);
    rectangle = null;
    bboxInput.value = "";
    bboxText.textContent = "";
  }
  var drawing = false, start = null;
  document.getElementById("clear-bbox").addEventListener("click", clearBbox);
  document.getElementById("draw-bbox").addEventListener("click", function () {
    drawing = true;
    map.dragging.disable();
    map.getContainer().classList.add("drawing");
    bboxText.textContent = messages.drawing;
  });
  map.on("mousedown", function (event) {
    if (!drawing) return;
    start = event.latlng;
    clearBbox();
    rectangle = L.rectangle(L.latLngBounds(start, start), { color: "#1f6feb", weight: 2 }).addTo(map);
  });
  map.on("mousemove", function (event) {
    if (drawing && start && rectangle) rectangle.setBounds(L.latLngBounds(start, event.latlng));
  });
  map.on("mouseup", function () {
    if (!drawing || !rectangle) return;
    var b = rectangle.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    bboxInput.value = box.join(",");
    bboxText.textContent = "bbox = " + bboxInput.value;
    commune.value = "";
    showCommune();
    drawing = false;
    start = null;
    map.dragging.enable();
    map.getContainer().classList.remove("drawing");
  });

  function show(text, percent) {
    statusBox.hidden = false;
    message.textContent = text;
    if (percent !== null) progress.value = percent;
  }
  function poll(url) {
    fetch(url).then(function (r) { return r.json(); }).then(function (job) {
      if (job.state === "done") {
        show(messages.done, 100);
        window.location.href = job.download;
      } else if (job.state === "failed") {
        show(messages.failed + " " + job.error, null);
      } else {
        show(messages.working + " " + job.done + " / " + job.total, job.total ? (100 * job.done) / job.total : 0);
        window.setTimeout(function () { poll(url); }, 1000);
      }
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (!data.getAll("layers").length) { show(messages.choose_layer, null); return; }
    var params = new URLSearchParams();
    data.forEach(function (value, key) { if (value !== "") params.append(key, value); });
    params.set("layers", data.getAll("layers").join(","));
    params.set("background", "true");
    show(messages.working, 0);
    fetch(form.action + "?" + params.toString()).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 202) poll(answer.body.status_url);
      else show(messages.failed + " " + ((answer.body.error || {}).message || answer.status), null);
    });
  });
})();
