// The voicemail page's transcript follows the recording (static/wordsync.js): the word
// being said is highlighted while it plays, and a click (or Enter) on a word plays from
// that word.
//
//   <audio id="player" src="/inbox/7/audio"></audio>
//   <p id="transcript" data-player="player">
//     <span class="word" data-start="1.20" data-end="1.48">Hello</span> ...
//   </p>
(function () {
  "use strict";

  var transcript = document.getElementById("transcript");
  var audio = transcript && document.getElementById(transcript.getAttribute("data-player"));
  if (!audio) return;
  window.Ringback.wordSync({
    audio: audio,
    transcript: transcript,
    word: ".word",
    start: "data-start",
    end: "data-end",
    currentClass: "current",
    slack: 0.25,
    keyboard: true,
  });
})();
