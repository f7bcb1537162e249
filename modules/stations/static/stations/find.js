// The station finder's enhancements: the phone's position and the Leaflet map. The list is
// server-rendered, so the page works when this script, the map or the tiles do not.
(function () {
  "use strict";
  var form = document.getElementById("st-find-form");
  var locate = document.getElementById("st-locate");
  var status = document.getElementById("st-locate-status");
  if (form && locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = "正在获取位置……";
      navigator.geolocation.getCurrentPosition(function (pos) {
        // navigator.geolocation gives WGS-84, the system the stations are stored in.
        document.getElementById("st-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("st-lng").value = pos.coords.longitude.toFixed(6);
        document.getElementById("st-q").value = "";
        form.submit();
      }, function () {
        status.textContent = "无法获取位置，请输入街道或地址查找。";
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  var holder = document.getElementById("st-map");
  var dataEl = document.getElementById("st-map-data");
  var showMap = document.getElementById("st-show-map");
  if (!holder || !dataEl || !showMap) return;
  // Leaflet (~150 KB) loads only when the worker asks for the map: the list is what most need,
  // and the page stays light on a cheap phone.
  showMap.hidden = false;
  showMap.addEventListener("click", function () {
    showMap.disabled = true;
    var script = document.createElement("script");
    script.src = holder.getAttribute("data-leaflet");
    script.onload = function () { showMap.hidden = true; holder.classList.remove("st-hidden"); drawMap(); };
    script.onerror = function () { showMap.disabled = false; };
    document.head.appendChild(script);
  });

  function drawMap() {
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(holder, { zoomControl: true, attributionControl: true });
  // The points arrive already in the tiles' coordinate system (the server moves them into GCJ-02
  // for AMap's tiles); every provider here uses the Web Mercator tile grid Leaflet draws by default.
  if (data.tiles && data.tiles.url) {
    var failed = 0;
    var options = { attribution: data.tiles.attribution || "", maxZoom: 18 };
    if (data.tiles.subdomains) options.subdomains = data.tiles.subdomains;
    var layer = L.tileLayer(data.tiles.url, options);
    layer.on("tileerror", function () {
      failed += 1;
      if (failed === 3) {
        var note = document.createElement("p");
        note.className = "hint st-map-note";
        note.textContent = "地图底图加载失败，下方列表不受影响。";
        holder.parentNode.appendChild(note);
      }
    });
    layer.addTo(map);
    if (data.tiles.overlay) {
      L.tileLayer(data.tiles.overlay, { maxZoom: 18, subdomains: data.tiles.subdomains || "abc" }).addTo(map);
    }
  }
  var points = [];
  var origin = data.origin;
  if (origin) {
    L.circleMarker([origin.lat, origin.lng], { radius: 7, color: "#0a58ca", fillOpacity: 0.9 })
      .addTo(map).bindTooltip(origin.located ? "我的位置" : "西城区中心");
    points.push([origin.lat, origin.lng]);
  }
  data.stations.forEach(function (s, i) {
    var marker = L.circleMarker([s.lat, s.lng], { radius: 9, color: "#c8102e", fillOpacity: 0.8 }).addTo(map);
    var link = document.createElement("a");
    link.href = s.url;
    link.textContent = (i + 1) + ". " + s.name + "（" + s.distance + " 米）";
    marker.bindPopup(link);
    points.push([s.lat, s.lng]);
  });
  if (points.length > 1) map.fitBounds(points, { padding: [24, 24] });
  else if (points.length === 1) map.setView(points[0], 15);
  }
})();
