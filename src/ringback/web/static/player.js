// The voicemail page's transcript follows the recording: the word being said is
// highlighted while it plays, and a click (or Enter) on a word plays from that word.
//
//   <audio id="player" src="/inbox/7/audio"></audio>
//   <p id="transcript" data-player="player">
//     <span class="word" data-start="1.20" data-end="1.48">Hello</span> ...
//   </p>
//
// The words carry their times from the transcription (seconds into the recording).
(function () {
  "use strict";

  var transcript = document.getElementById("transcript");
  var audio = transcript && document.getElementById(transcript.getAttribute("data-player"));
  if (!audio) return;
  var words = Array.prototype.slice.call(transcript.querySelectorAll(".word[data-start]"));
  var starts = words.map(function (w) { return parseFloat(w.getAttribute("data-start")); });
  var ends = words.map(function (w) { return parseFloat(w.getAttribute("data-end")); });
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
    return found >= 0 && t <= ends[found] + 0.25 ? found : -1;
  }

  function highlight() {
    var index = wordAt(audio.currentTime);
    if (index === current) return;
    if (current >= 0) words[current].classList.remove("current");
    if (index >= 0) words[index].classList.add("current");
    current = index;
  }

  // timeupdate fires only about four times a second: follow each frame while playing.
  function follow() {
    highlight();
    frame = audio.paused ? 0 : window.requestAnimationFrame(follow);
  }

  function seek(index) {
    var go = function () {
      audio.currentTime = starts[index];
      highlight();
    };
    if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
  }

  words.forEach(function (word) { word.setAttribute("tabindex", "0"); });
  transcript.addEventListener("click", function (event) {
    var word = event.target.closest && event.target.closest(".word[data-start]");
    if (word) seek(words.indexOf(word));
  });
  transcript.addEventListener("keydown", function (event) {
    var word = event.target.closest && event.target.closest(".word[data-start]");
    if (!word || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    seek(words.indexOf(word));
    audio.play();
  });
  audio.addEventListener("play", function () { if (!frame) follow(); });
  audio.addEventListener("timeupdate", highlight);
  audio.addEventListener("seeked", highlight);
})();
