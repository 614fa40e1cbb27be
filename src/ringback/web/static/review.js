// The Calls pages: the upload's size check, the analysis progress, and the review's
// player (lanes, transcript and moments seek it; the current word is highlighted;
// speed 0.5-2x; space plays or pauses, left/right arrows go 5 s back or on).
// Everything works without it but the live parts: the server checks every upload again.
(function () {
  "use strict";

  function uploadForm(form) {
    var input = form.querySelector('input[type="file"]');
    var note = document.getElementById("upload-too-large");
    var max = Number(form.getAttribute("data-max-bytes"));
    function tooLarge() {
      var file = input.files && input.files[0];
      return file && max && file.size > max ? file : null;
    }
    function check() {
      var file = tooLarge();
      note.hidden = !file;
      if (file) {
        note.textContent = "This recording is " + (file.size / 1048576).toFixed(0) +
          " MB; the limit is " + form.getAttribute("data-max-mb") +
          " MB. Upload a shorter or compressed recording (MP3, M4A).";
      }
      return !file;
    }
    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) event.preventDefault();
    });
  }

  function progress(box) {
    var bar = document.getElementById("analysis-progress");
    var stage = document.getElementById("analysis-stage");
    var url = box.getAttribute("data-status-url");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (job) {
          var pct = Math.round(job.progress * 100);
          bar.value = job.progress;
          bar.textContent = pct + " %";
          stage.textContent = job.stage + " · " + pct + " %";
          if (job.status === "done" || job.status === "failed") {
            window.location.assign(job.url); // the review, or why it failed
            return;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          stage.textContent = "The server could not be reached; trying again…";
          window.setTimeout(poll, 3000);
        });
    }
    window.setTimeout(poll, 1000);
  }

  function player(root) {
    var audio = document.getElementById("review-audio");
    var speed = document.getElementById("review-speed");
    var duration = Number(root.getAttribute("data-duration")) || 0;
    var heads = document.querySelectorAll(".lane-track .playhead");

    document.querySelectorAll(".tick[data-left]").forEach(function (tick) {
      tick.style.left = tick.getAttribute("data-left") + "%"; // CSSOM: allowed by the CSP
    });

    // The transcript (static/wordsync.js), and the playhead on the lanes with it.
    var sync = window.Ringback.wordSync({
      audio: audio,
      transcript: document.getElementById("review-transcript"),
      word: ".w",
      start: "data-s",
      end: "data-e",
      currentClass: "now",
      slack: 0.15,
      ariaCurrent: true,
      onTime: function (t) {
        var x = duration ? Math.min(1000, (1000 * t) / duration) : 0;
        heads.forEach(function (h) { h.setAttribute("x", x.toFixed(1)); });
      },
    });

    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value);
      audio.defaultPlaybackRate = audio.playbackRate;
    });

    // Lanes and moments seek too (the transcript's words are wordsync's).
    document.addEventListener("click", function (event) {
      var el = event.target.closest && event.target.closest("[data-seek]");
      if (el) sync.seek(Number(el.getAttribute("data-seek")));
    });

    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || tag === "audio" || event.target.isContentEditable) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === " " || event.code === "Space") {
        event.preventDefault();
        if (audio.paused) audio.play(); else audio.pause();
      } else if (event.key === "ArrowLeft") {
        event.preventDefault();
        sync.seek(audio.currentTime - 5);
      } else if (event.key === "ArrowRight") {
        event.preventDefault();
        sync.seek(audio.currentTime + 5);
      }
    });
  }

  var form = document.getElementById("call-upload");
  if (form) uploadForm(form);
  var box = document.getElementById("review-progress");
  if (box && box.getAttribute("data-status") !== "failed") progress(box);
  var review = document.getElementById("review");
  if (review) player(review);
})();
