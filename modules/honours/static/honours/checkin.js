// The check-in desk: a handheld scanner types into the code box and presses Enter (a normal
// submit); on phones the camera button reads the trainee's QR (core/qrscan.js: BarcodeDetector,
// or jsQR fetched only then) and submits the same form. No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form) return;
  var input = form.querySelector("input[name=code]");
  var start = document.getElementById("camera-start");
  var box = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var stop = document.getElementById("camera-stop");
  var stream = null, decode = null, decoding = false;
  if (input) input.focus();

  function halt() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    box.hidden = true;
  }

  function tick() {
    if (!stream) return;
    if (decode && !decoding && video.readyState === video.HAVE_ENOUGH_DATA) {
      decoding = true;
      decode(video, canvas).then(function (text) {
        decoding = false;
        if (!text || !stream) return;
        input.value = text.trim();
        halt();
        form.requestSubmit();
      }, function () { decoding = false; });
    }
    window.requestAnimationFrame(tick);
  }

  if (start && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.UHQR) {
    start.hidden = false;
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        video.play();
        return window.UHQR.decoder(form.getAttribute("data-decoder"));
      }).then(function (d) {
        decode = d;
        window.requestAnimationFrame(tick);
      }).catch(function () {
        halt();
        box.hidden = false;
        document.getElementById("camera-hint").textContent = start.getAttribute("data-denied");
      });
    });
    stop.addEventListener("click", halt);
  }
})();
