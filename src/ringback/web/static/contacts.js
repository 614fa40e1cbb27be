// A contact's page: record a voice memo in the browser (MediaRecorder) and upload it;
// the server transcribes it and answers with the timeline, which replaces #timeline.
// Without MediaRecorder (or a microphone) the memo box stays hidden: typed notes still work.
(function () {
  "use strict";
  var box = document.getElementById("memo");
  if (!box || !window.MediaRecorder || !navigator.mediaDevices) return;
  var start = document.getElementById("memo-record");
  var stop = document.getElementById("memo-stop");
  var status = document.getElementById("memo-status");
  var target = document.querySelector(box.getAttribute("data-target"));
  var recorder = null;
  var chunks = [];
  var clock = null;
  box.hidden = false;

  function say(text) { status.textContent = text; }

  function upload(blob) {
    var data = new FormData();
    var type = (blob.type || "audio/webm").split(";")[0];
    data.append("audio", new File([blob], "memo." + (type.split("/")[1] || "webm"), { type: type }));
    data.append("csrf_token", window.Ringback.csrfToken());
    say("Transcribing the memo…");
    window.Ringback.swap(target, box.getAttribute("data-action"), { method: "POST", body: data })
      .then(function () { say(""); start.hidden = false; start.disabled = false; });
  }

  start.addEventListener("click", function () {
    start.disabled = true;
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (e) { if (e.data.size) chunks.push(e.data); });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        upload(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
      });
      recorder.start();
      start.hidden = true;
      stop.hidden = false;
      var began = Date.now();
      var tick = function () {
        var s = Math.floor((Date.now() - began) / 1000);
        say("Recording " + Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2) +
          ": speak your note, then stop.");
      };
      tick();
      clock = window.setInterval(tick, 500);
    }).catch(function () {
      start.disabled = false;
      say("The microphone is not available: allow it for this site, or type the note.");
    });
  });

  stop.addEventListener("click", function () {
    stop.hidden = true;
    window.clearInterval(clock);
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
})();
