// One transcript synced to one <audio>, for every page that has both (the Inbox's
// voicemail, the Calls review): the word being said is highlighted while it plays, and a
// click on a word plays from there. The words carry their times from the transcription,
// in seconds into the recording, in two data attributes named by the page.
//
//   var sync = Ringback.wordSync({
//     audio: document.getElementById("player"),
//     transcript: document.getElementById("transcript"),
//     word: ".word", start: "data-start", end: "data-end",
//     currentClass: "current",  // the class the word being said gets
//     slack: 0.25,              // seconds after a word's end it stays highlighted
//     keyboard: true,           // words take focus; Enter or space plays from one
//     ariaCurrent: false,       // mark the word being said aria-current="true"
//     onTime: function (t) {}   // after each update (a page's own playhead)
//   });
//   sync.seek(12.5);
(function () {
  "use strict";

  function wordSync(options) {
    var audio = options.audio;
    var transcript = options.transcript;
    var selector = options.word + "[" + options.start + "]";
    var words = Array.prototype.slice.call(transcript.querySelectorAll(selector));
    var starts = words.map(function (w) { return parseFloat(w.getAttribute(options.start)); });
    var ends = words.map(function (w) { return parseFloat(w.getAttribute(options.end)); });
    var current = -1;
    var frame = 0;

    // The last word starting at or before t (binary search: transcripts can be long).
    function wordAt(t) {
      var lo = 0, hi = starts.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      // In a pause after a word, nothing is being said: no highlight.
      return found >= 0 && t <= ends[found] + options.slack ? found : -1;
    }

    function mark(index, on) {
      if (index < 0) return;
      words[index].classList.toggle(options.currentClass, on);
      if (!options.ariaCurrent) return;
      if (on) words[index].setAttribute("aria-current", "true");
      else words[index].removeAttribute("aria-current");
    }

    function show() {
      var index = wordAt(audio.currentTime);
      if (index !== current) {
        mark(current, false);
        mark(index, true);
        current = index;
      }
      if (options.onTime) options.onTime(audio.currentTime);
    }

    // timeupdate fires only about four times a second: follow each frame while playing.
    function follow() {
      show();
      frame = audio.paused ? 0 : window.requestAnimationFrame(follow);
    }

    // Before the recording's length is known a seek would be lost: wait for it.
    function seek(seconds, then) {
      function go() {
        audio.currentTime = Math.max(0, Math.min(seconds, audio.duration || seconds));
        show();
        if (then) then();
      }
      if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
    }

    function wordOf(event) {
      var el = event.target.closest && event.target.closest(selector);
      return el && transcript.contains(el) ? words.indexOf(el) : -1;
    }

    transcript.addEventListener("click", function (event) {
      var index = wordOf(event);
      if (index >= 0) seek(starts[index]);
    });
    if (options.keyboard) {
      words.forEach(function (word) { word.setAttribute("tabindex", "0"); });
      transcript.addEventListener("keydown", function (event) {
        var index = wordOf(event);
        if (index < 0 || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        seek(starts[index], function () { audio.play(); });
      });
    }
    audio.addEventListener("play", function () { if (!frame) follow(); });
    audio.addEventListener("timeupdate", show);
    audio.addEventListener("seeked", show);
    return { seek: seek, show: show };
  }

  window.Ringback = window.Ringback || {};
  window.Ringback.wordSync = wordSync;
})();
