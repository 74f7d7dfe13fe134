/* Interactive map of partner villages (Leaflet). The villages come from the JSON in #village-points; the tile
   server from data-tiles. Without tiles (offline, blocked) the markers and the list still work, and a notice says so. */
(function () {
  "use strict";
  var element = document.getElementById("village-map");
  var data = document.getElementById("village-points");
  if (!element || !data || typeof L === "undefined") {
    return;
  }
  var points = JSON.parse(data.textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  var tiles = L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: element.dataset.attribution });
  var warned = false;
  tiles.on("tileerror", function () {
    if (warned) {
      return;
    }
    warned = true;
    element.classList.add("tiles-failed");
    var notice = document.createElement("p");
    notice.className = "map-notice";
    notice.setAttribute("role", "status");
    notice.textContent = element.dataset.tilesFailed;
    element.insertAdjacentElement("afterend", notice);
  });
  tiles.addTo(map);

  var markers = points.map(function (point) {
    var marker = L.circleMarker([point.lat, point.lon], {
      radius: 8, color: "#ffffff", weight: 2, fillColor: "#8a3b12", fillOpacity: 1
    });
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    marker.bindPopup(link);
    marker.bindTooltip(point.name);
    return marker.addTo(map);
  });

  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), parseInt(element.dataset.zoom || "11", 10));
  } else if (markers.length > 1) {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [20, 20] });
  } else {
    map.setView([46.6, 2.4], 5); /* France */
  }
  element.dataset.markers = String(markers.length);
})();
