// The pickup desk: a handheld scanner types into the code box and presses Enter (a normal submit);
// on phones, the camera button reads the QR with jsQR and submits the same form. No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("pickup-form");
  if (!form) return;
  var input = form.querySelector("input[name=code]");
  var place = form.querySelector("select[name=place]");
  var start = document.getElementById("camera-start");
  var box = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var stop = document.getElementById("camera-stop");
  var stream = null;

  if (place) place.addEventListener("change", function () { input.focus(); });
  if (input) input.focus();

  function halt() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    box.hidden = true;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        input.value = found.data.trim();
        halt();
        form.requestSubmit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  if (start && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR) {
    start.hidden = false;
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        video.play();
        window.requestAnimationFrame(tick);
      }).catch(function () {
        document.getElementById("camera-hint").textContent = start.getAttribute("data-denied");
        box.hidden = false;
      });
    });
    stop.addEventListener("click", halt);
  }
})();
