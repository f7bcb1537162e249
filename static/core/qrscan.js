// The QR decoder for camera scanning, loaded only when a camera is opened: the browser's own
// BarcodeDetector where it reads QR codes, else the jsQR fallback (257 KB) fetched on demand.
// A hardware scanner (a keyboard wedge) types into the page and needs neither.
// UHQR.decoder(fallbackUrl) -> Promise of decode(video|canvas, workCanvas) -> Promise of text|null.
(function () {
  "use strict";
  var pending = null;

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("decoder not loaded")); };
      document.head.appendChild(script);
    });
  }

  function nativeDecoder() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    var formats = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    return Promise.resolve(formats).then(function (list) {
      if (list.indexOf("qr_code") < 0) return null;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return function (source) {
        return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }).catch(function () { return null; });
  }

  function jsqrDecoder(url) {
    return (window.jsQR ? Promise.resolve() : loadScript(url)).then(function () {
      return function (source, canvas) {
        var w = source.videoWidth || source.width, h = source.videoHeight || source.height;
        if (!w || !h) return Promise.resolve(null);
        var scale = Math.min(1, 640 / w);  // a smaller frame decodes faster and still reads a label
        canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found && found.data ? found.data : null);
      };
    });
  }

  window.UHQR = {
    decoder: function (fallbackUrl) {
      if (!pending) {
        pending = nativeDecoder().then(function (native) { return native || jsqrDecoder(fallbackUrl); });
        pending.catch(function () { pending = null; });  // a failed download may be retried
      }
      return pending;
    },
  };
})();
