// The collector station: scan bag after bag (handheld scanner, typing, or the camera, decoded by
// the browser's BarcodeDetector or jsQR fetched only when the camera opens: core/qrscan.js).
// Every scan goes first into an IndexedDB queue under a UUID made here, then is uploaded in
// batches; the server is idempotent on that UUID, so a scan survives a dead network and a
// retried upload never counts a bag twice. No inline script anywhere (CSP).
(function () {
  "use strict";
  var root = document.getElementById("station");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var msg = function (key) { return root.getAttribute("data-msg-" + key) || ""; };
  var scanUrl = root.getAttribute("data-scan-url");
  var photoUrl = root.getAttribute("data-photo-url");
  var csrf = root.getAttribute("data-csrf");
  var storeKey = "uh.station." + root.getAttribute("data-user");
  var codeInput = $("code"), weightInput = $("weight"), gradeBtn = $("grade"), reasonsBox = $("reasons");
  var pointSelect = $("point"), photoInput = $("photo"), flash = $("flash"), recent = $("recent");
  var state = { point: "", category: "" };
  var counted = {};
  var tally = { bags: 0, correct: 0, wrong: 0, grams: 0 };

  // ---- settings kept on this device
  try { state = Object.assign(state, JSON.parse(localStorage.getItem(storeKey) || "{}")); } catch (e) { /* first visit */ }
  function saveState() { try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ } }
  if (state.point && pointSelect.querySelector('option[value="' + state.point + '"]')) pointSelect.value = state.point;
  state.point = pointSelect.value;
  pointSelect.addEventListener("change", function () { state.point = pointSelect.value; saveState(); focusCode(); });
  var catButtons = root.querySelectorAll("[data-category]");
  function showCategory() {
    catButtons.forEach(function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-category") === state.category ? "true" : "false"); });
  }
  catButtons.forEach(function (b) {
    b.addEventListener("click", function () { state.category = b.getAttribute("data-category"); saveState(); showCategory(); focusCode(); });
  });
  showCategory();

  // ---- grade toggle (合格 by default, back to 合格 after each scan)
  function setGrade(wrong) {
    gradeBtn.setAttribute("data-grade", wrong ? "wrong" : "correct");
    gradeBtn.setAttribute("aria-pressed", wrong ? "true" : "false");
    gradeBtn.className = "grade " + (wrong ? "bad" : "ok");
    gradeBtn.textContent = wrong ? msg("wrong") : msg("correct");
    reasonsBox.hidden = !wrong;
    if (!wrong) reasonsBox.querySelectorAll("input").forEach(function (i) { i.checked = false; });
  }
  gradeBtn.addEventListener("click", function () { setGrade(gradeBtn.getAttribute("data-grade") !== "wrong"); });

  function focusCode() { if (document.activeElement !== weightInput && reasonsBox.hidden) codeInput.focus(); }
  document.addEventListener("click", function (e) {
    // a handheld scanner types into whatever has focus: keep it on the code box
    if (!e.target.closest("input, select, button, label, fieldset, a, video")) codeInput.focus();
  });

  function say(text, kind) { flash.textContent = text; flash.className = "flash " + (kind || ""); }

  // ---- IndexedDB queue
  var dbPromise = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
    var req = indexedDB.open("uh-station", 1);
    req.onupgradeneeded = function () { req.result.createObjectStore("queue", { keyPath: "client_id" }); };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
  var memoryQueue = {};  // only when IndexedDB is unavailable (then scans live as long as the page)
  function tx(mode, fn) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("queue", mode);
        var result = fn(t.objectStore("queue"));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queuePut(scan) { return tx("readwrite", function (s) { return s.put(scan); }).catch(function () { memoryQueue[scan.client_id] = scan; }); }
  function queueDelete(id) { delete memoryQueue[id]; return tx("readwrite", function (s) { return s.delete(id); }).catch(function () {}); }
  function queueAll() {
    return tx("readonly", function (s) { return s.getAll(); }).catch(function () { return []; }).then(function (rows) {
      var seen = {};
      (rows || []).forEach(function (r) { seen[r.client_id] = true; });
      Object.keys(memoryQueue).forEach(function (k) { if (!seen[k]) rows.push(memoryQueue[k]); });
      return rows;
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ---- the recent list and the tally
  function row(scan) {
    var li = document.getElementById("r-" + scan.client_id);
    if (!li) {
      li = document.createElement("li");
      li.id = "r-" + scan.client_id;
      var c = document.createElement("span"); c.className = "c"; c.textContent = scan.code.slice(-16);
      var s = document.createElement("span"); s.className = "s wait"; s.textContent = msg("pending");
      li.appendChild(c); li.appendChild(s);
      recent.insertBefore(li, recent.firstChild);
      while (recent.children.length > 30) recent.removeChild(recent.lastChild);
    }
    return li;
  }
  function showResult(scan, result) {
    var s = row(scan).querySelector(".s");
    s.textContent = result.message;
    s.className = "s " + (result.ok ? "ok" : "bad");
    if (result.ok && !counted[scan.client_id]) {
      counted[scan.client_id] = true;
      tally.bags += 1;
      if (result.grade === "wrong") tally.wrong += 1; else tally.correct += 1;
      tally.grams += scan.weight_grams || 0;
      $("t-bags").textContent = tally.bags;
      $("t-correct").textContent = tally.correct;
      $("t-wrong").textContent = tally.wrong;
      $("t-kg").textContent = (tally.grams / 1000).toFixed(1);
      // A replayed scan was counted on an earlier upload (and in the page's figures if it came before
      // this page load); a queued scan from another day belongs to that day's figures.
      if (!result.replayed && isToday(scan.scanned_at)) bumpToday(scan, result);
    }
  }
  function isToday(iso) {
    var d = new Date(iso), now = new Date();
    return d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  }
  // 今日已回收 of the scan's point moves as each scan is acknowledged, queued ones included.
  function bumpToday(scan, result) {
    var box = root.querySelector('.today-n[data-point="' + scan.point_id + '"]');
    if (!box) return;
    var add = function (cls, by, digits) {
      var el = box.querySelector("." + cls);
      if (!el) return;
      var value = (parseFloat(el.textContent) || 0) + by;
      el.textContent = digits ? value.toFixed(digits) : String(Math.round(value));
    };
    add("n-bags", 1);
    if (result.grade !== "wrong") add("n-correct", 1);
    if (scan.weight_grams) add("n-kg", scan.weight_grams / 1000, 1);
  }
  function refreshPending() { queueAll().then(function (rows) { $("t-pending").textContent = rows.length; }); }

  // ---- upload
  var flushing = false;
  function post(url, body, isJson) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: isJson ? { "Content-Type": "application/json", "X-CSRFToken": csrf } : { "X-CSRFToken": csrf },
    });
  }
  function uploadPhoto(scan) {
    var form = new FormData();
    form.append("photo", scan.photo, "photo.jpg");
    return post(photoUrl + encodeURIComponent(scan.client_id) + "/photo", form, false).then(function () {});
  }
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return queueAll().then(function (rows) {
      rows.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      var chunk = rows.slice(0, 500);
      if (!chunk.length) return null;
      var items = chunk.map(function (r) {
        return { client_id: r.client_id, code: r.code, point_id: r.point_id, category: r.category, grade: r.grade,
                 reasons: r.reasons, weight_grams: r.weight_grams, scanned_at: r.scanned_at };
      });
      return post(scanUrl, JSON.stringify({ items: items }), true).then(function (resp) {
        if (resp.status === 401 || resp.status === 403) { say(msg("expired"), "bad"); return null; }
        if (!resp.ok) throw new Error("HTTP " + resp.status);  // 5xx: keep the queue, retry later
        if (flash.className.indexOf("wait") >= 0) say("", "");  // back online: the offline notice is stale
        return resp.json().then(function (data) {
          var byId = {};
          chunk.forEach(function (r) { byId[r.client_id] = r; });
          var work = data.results.map(function (result) {
            var scan = byId[result.client_id];
            if (!scan) return null;
            showResult(scan, result);
            var done = result.ok && scan.photo ? uploadPhoto(scan).catch(function () {}) : Promise.resolve();
            return done.then(function () { return queueDelete(scan.client_id); });
          });
          return Promise.all(work).then(function () { return rows.length > chunk.length ? "more" : null; });
        });
      });
    }).catch(function () {
      say(msg("offline"), "wait");
      return null;
    }).then(function (more) {
      flushing = false;
      refreshPending();
      if (more) return flush();
      return null;
    });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 20000);

  // ---- one scan
  function submit(code) {
    code = (code || "").trim();
    if (!code) return;
    state.point = pointSelect.value;
    if (!state.point || !state.category) { say(msg("setup"), "bad"); return; }
    var grams = null;
    var w = weightInput.value.trim();
    if (w) {
      var kg = parseFloat(w);
      if (!(kg > 0 && kg <= 100)) { say(msg("weight"), "bad"); weightInput.focus(); return; }
      grams = Math.round(kg * 1000);
    }
    var wrong = gradeBtn.getAttribute("data-grade") === "wrong";
    var reasons = [];
    if (wrong) reasonsBox.querySelectorAll("input:checked").forEach(function (i) { reasons.push(i.value); });
    var scan = {
      client_id: uuid(), code: code, point_id: parseInt(state.point, 10), category: state.category,
      grade: wrong ? "wrong" : "correct", reasons: reasons, weight_grams: grams, scanned_at: new Date().toISOString(),
      photo: photoInput.files && photoInput.files[0] ? photoInput.files[0] : null,
    };
    row(scan);
    codeInput.value = ""; weightInput.value = ""; photoInput.value = "";
    setGrade(false);
    codeInput.focus();
    queuePut(scan).then(function () { refreshPending(); return flush(); });
  }
  $("scan-form").addEventListener("submit", function (e) { e.preventDefault(); submit(codeInput.value); });

  // ---- camera (frames decoded by core/qrscan.js; the decoder is fetched only now)
  var video = $("video"), canvas = $("frame"), stream = null, lastCode = "", lastAt = 0, timer = null;
  var decode = null, decoding = false;
  function stopCamera() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    $("camera").hidden = true;
    codeInput.focus();
  }
  function seen(text) {
    if (!text) return;
    var now = Date.now();
    if (text === lastCode && now - lastAt < 3000) return;  // the same bag still in view
    lastCode = text; lastAt = now;
    if (navigator.vibrate) navigator.vibrate(80);
    submit(text);
  }
  function tick() {
    if (!stream || !decode || decoding || video.readyState < 2) return;
    decoding = true;
    decode(video, canvas).then(seen, function () {}).then(function () { decoding = false; });
  }
  $("camera-start").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.UHQR) { say(msg("camera"), "bad"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      $("camera").hidden = false;
      return Promise.all([video.play(), window.UHQR.decoder(root.getAttribute("data-decoder"))]);
    }).then(function (ready) {
      decode = ready[1];
      timer = setInterval(tick, 180);
    }).catch(function () { stopCamera(); say(msg("camera"), "bad"); });
  });
  $("camera-stop").addEventListener("click", stopCamera);

  queueAll().then(function (rows) { rows.forEach(row); });
  refreshPending();
  flush();
  codeInput.focus();
})();
