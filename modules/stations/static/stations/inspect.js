// The inspector's checklist on a poor connection: every keystroke is kept in localStorage, a
// submit goes to an outbox that is sent when the network is back, and the client key kept with
// the draft makes a resend harmless (the server answers a repeat with the first result).
(function () {
  "use strict";
  var OUTBOX = "uh-stations-outbox";
  var MAX_PHOTOS = 6;

  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function say(text) {
    var el = document.getElementById("st-net") || document.getElementById("st-outbox-text");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    var box = document.getElementById("st-outbox");
    if (box) box.hidden = false;
  }

  function flush() {
    var box = read(OUTBOX, {});
    var keys = Object.keys(box);
    if (!keys.length) return Promise.resolve();
    say("正在发送 " + keys.length + " 份检查结果……");
    return keys.reduce(function (chain, key) {
      return chain.then(function () {
        var entry = box[key];
        return fetch(entry.url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify(entry.payload)
        }).then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) {
            if (res.ok) {
              var now = read(OUTBOX, {}); delete now[key]; write(OUTBOX, now);
              localStorage.removeItem(entry.draft);
              say("已提交：" + (body.total != null ? body.total + " 分 " + body.grade : "") +
                  (body.fix_tasks && body.fix_tasks.length ? "，生成整改 " + body.fix_tasks.length + " 项" : ""));
              if (document.getElementById("st-inspect-form")) window.setTimeout(function () { window.location.reload(); }, 800);
            } else if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 408 && res.status !== 429) {
              // The server refused the content: the inspector must correct it; keep the draft.
              var left = read(OUTBOX, {}); delete left[key]; write(OUTBOX, left);
              say("未能提交：" + (body.message || res.status));
            } else {
              say("暂未发送（" + res.status + "），稍后自动重试。");
            }
          });
        }).catch(function () {
          say("没有网络：检查结果已保存在手机上，网络恢复后自动发送。");
        });
      });
    }, Promise.resolve());
  }

  window.addEventListener("online", flush);
  var sendNow = document.getElementById("st-outbox-send");
  if (sendNow) sendNow.addEventListener("click", flush);

  var form = document.getElementById("st-inspect-form");
  var cfgEl = document.getElementById("st-inspect-config");
  if (form && cfgEl) {
    var cfg = JSON.parse(cfgEl.textContent);
    var draftKey = "uh-stations-draft-" + form.getAttribute("data-key");
    var draft = read(draftKey, null);
    if (!draft) {
      draft = { client_key: form.elements.client_key.value, fields: {}, photos: [] };
    } else {
      form.elements.client_key.value = draft.client_key;
      Object.keys(draft.fields).forEach(function (name) {
        if (form.elements[name]) form.elements[name].value = draft.fields[name];
      });
      say("已恢复上次未提交的填写内容。");
    }
    var photoCount = document.getElementById("st-photo-count");
    function showPhotos() { if (photoCount) photoCount.textContent = draft.photos.length ? "已添加 " + draft.photos.length + " 张照片" : ""; }
    showPhotos();
    function save() {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.type !== "file" && el.name !== "csrfmiddlewaretoken") draft.fields[el.name] = el.value;
      });
      if (!write(draftKey, draft)) say("手机存储空间不足，照片可能无法离线保存。");
    }
    form.addEventListener("input", save);

    var photos = document.getElementById("st-photos");
    if (photos) photos.addEventListener("change", function () {
      Array.prototype.slice.call(photos.files, 0, MAX_PHOTOS - draft.photos.length).forEach(function (file) {
        var img = new Image();
        var url = URL.createObjectURL(file);
        img.onload = function () {
          // Shrink to 1280 px JPEG: small enough to keep offline and to send on a weak signal.
          var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          URL.revokeObjectURL(url);
          draft.photos.push({ data: canvas.toDataURL("image/jpeg", 0.7), item: "" });
          save(); showPhotos();
        };
        img.src = url;
      });
      photos.value = "";
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save();
      var scores = {}, notes = {};
      cfg.items.forEach(function (code) {
        scores[code] = draft.fields["score_" + code] || "";
        notes[code] = draft.fields["note_" + code] || "";
      });
      var box = read(OUTBOX, {});
      box[draft.client_key] = {
        url: cfg.submit_url, draft: draftKey,
        payload: { client_key: draft.client_key, scores: scores, notes: notes, comment: draft.fields.comment || "", photos: draft.photos }
      };
      if (!write(OUTBOX, box)) { say("手机存储空间不足，请删除部分照片后再提交。"); return; }
      if (navigator.onLine === false) { say("没有网络：检查结果已保存在手机上，网络恢复后自动发送。"); return; }
      flush();
    });
  }
  if (navigator.onLine !== false) flush();
})();
