// The Coach page: the score updates as you type, composed scripts can be taken into the
// script box, and a take is recorded with the microphone (MediaRecorder) and measured.
// Every answer is an HTML fragment from the server (escaped there); without this script
// the same forms post and get the whole page back.
(function () {
  "use strict";
  var DEBOUNCE_MS = 350;

  function $(selector) { return document.querySelector(selector); }

  function show(target, html) {
    target.innerHTML = html; // server-rendered, escaped by the templates
    target.dispatchEvent(new CustomEvent("ringback:updated", { bubbles: true }));
  }

  function failure(status, what) {
    var text = status === 413
      ? "The " + what + " is too large to send. Make it shorter and try again."
      : "That did not work (error " + status + "). Reload the page and try again.";
    return '<p class="flash flash-error" role="alert">' + text + "</p>";
  }

  // Send a form's data and put the answer in target. 4xx answers from these routes are
  // fragments that say what went wrong, so they are shown as they come.
  function post(url, data, target, what, signal) {
    target.setAttribute("aria-busy", "true");
    var sent = window.Ringback.request(url, { method: "POST", body: data, signal: signal });
    return sent.then(function (response) {
      if (response.redirected && response.url.indexOf("/signin") !== -1) {
        window.location.assign(response.url);
        return;
      }
      var fragment = (response.headers.get("content-type") || "").indexOf("text/html") === 0;
      return response.text().then(function (html) {
        var usable = fragment && (response.ok || response.status === 422);
        show(target, usable ? html : failure(response.status, what));
      });
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      show(target, '<p class="flash flash-error" role="alert">The server could not be ' +
        "reached. Check your connection and try again.</p>");
    }).finally(function () { target.removeAttribute("aria-busy"); });
  }

  // -- the score, as you type ------------------------------------------------------
  var form = $("#coach-form");
  var script = $("#script");
  var findings = $("#findings");
  var timer = null;
  var inflight = null;

  function scoreNow() {
    clearTimeout(timer);
    if (inflight) inflight.abort();
    inflight = new AbortController();
    post("/coach/score", new FormData(form), findings, "script", inflight.signal);
  }

  function scoreSoon() {
    clearTimeout(timer);
    timer = setTimeout(scoreNow, DEBOUNCE_MS);
  }

  if (form && script && findings) {
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    script.addEventListener("input", scoreSoon);
    $("#score-contact").addEventListener("change", scoreNow);
    form.addEventListener("submit", function (event) { event.preventDefault(); scoreNow(); });
  }

  // -- compose from a contact ------------------------------------------------------
  var compose = $("#compose-form");
  var variants = $("#variants");
  if (compose && variants) {
    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      post(compose.action, new FormData(compose), variants, "request");
    });
    variants.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(".use-script");
      if (!button || !script) return;
      var text = button.closest(".variant").querySelector(".variant-text");
      script.value = text.textContent;
      $("#score-contact").value = $("#compose-contact").value;
      script.focus();
      script.scrollIntoView({ behavior: "smooth", block: "center" });
      script.dispatchEvent(new Event("input")); // scored, and the take's script follows
    });
  }

  // -- recordings: a take to rehearse, a greeting --------------------------------
  // <section data-recorder data-upload="/coach/rehearse" data-field="take"
  //          data-target="#rehearsal" data-max-mb="200">
  //   .recorder (hidden until MediaRecorder is there): .record-start .record-stop .record-status
  //   form: the CSRF field, the other fields, and a file input named data-field
  // A recording, or the chosen file, is posted with the form's other fields.
  function recorder(box) {
    var upload = box.querySelector("form");
    var report = document.querySelector(box.getAttribute("data-target"));
    var field = box.getAttribute("data-field");
    var url = box.getAttribute("data-upload");
    var maxBytes = Number(box.getAttribute("data-max-mb") || "200") * 1024 * 1024;
    var status = box.querySelector(".record-status");
    var start = box.querySelector(".record-start");
    var stop = box.querySelector(".record-stop");
    var busy = box.getAttribute("data-busy") || "Checking the recording…";
    var media = null;
    var clock = null;

    function send(blob, name) {
      if (blob.size > maxBytes) {
        show(report, failure(413, "recording"));
        return;
      }
      var data = new FormData(upload);
      data.set(field, blob, name);
      status.textContent = busy;
      post(url, data, report, "recording").finally(function () { status.textContent = ""; });
    }

    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = upload.querySelector('input[type="file"]').files[0];
      if (!file) {
        show(report, '<p class="flash flash-error" role="alert">Choose a recording first, ' +
          "or record one.</p>");
        return;
      }
      send(file, file.name);
    });

    if (!(navigator.mediaDevices && window.MediaRecorder && start && stop)) return;
    box.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

    function finished(chunks, type) {
      clearInterval(clock);
      start.disabled = false;
      stop.disabled = true;
      var blob = new Blob(chunks, { type: (type || "audio/webm").split(";")[0] });
      var ext = blob.type.indexOf("ogg") !== -1 ? "ogg" : blob.type.indexOf("mp4") !== -1 ? "m4a" : "webm";
      send(blob, "recording." + ext);
    }

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var chunks = [];
        media = new MediaRecorder(stream);
        media.addEventListener("dataavailable", function (e) { if (e.data.size) chunks.push(e.data); });
        media.addEventListener("stop", function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          finished(chunks, media.mimeType);
        });
        media.start(1000);
        var began = Date.now();
        start.disabled = true;
        stop.disabled = false;
        status.textContent = "Recording… speak, then press Stop.";
        clock = setInterval(function () {
          status.textContent = "Recording… " + Math.round((Date.now() - began) / 1000) + " s";
        }, 1000);
      }).catch(function () {
        status.textContent = "The microphone is not available: allow it in the browser, " +
          "or choose a recording instead.";
      });
    });

    stop.addEventListener("click", function () {
      if (media && media.state !== "inactive") media.stop();
    });
  }

  // The take is measured against the script in the box above it, as it is now.
  var rehearseScript = document.querySelector('#rehearse input[name="script"]');
  if (script && rehearseScript) {
    script.addEventListener("input", function () { rehearseScript.value = script.value; });
  }
  document.querySelectorAll("[data-recorder]").forEach(recorder);
})();
